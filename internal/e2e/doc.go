// Package e2e is the harness of the end-to-end and browser tests under
// tests/e2e: the real binary built once per test package (binary.go), a
// running `postrider serve` and the API calls a client makes (serve.go),
// accounts (accounts.go), seeded data dirs (seed.go), `postrider
// dispatch` (dispatch.go), the SMTP side (smtp.go), Chromium driven by
// chromedp (browser.go), and the one wait for a condition (eventually.go).
package e2e
