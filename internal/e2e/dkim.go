package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// PythonDKIM is Debian's python3 with its python3-dkim (dkimpy): the DKIM
// verifier independent of the service's own code ($PYTHON3 names another
// python3). It skips the test (fails it under CI, as ChromiumPath does)
// when either is missing.
func PythonDKIM(t *testing.T) string {
	t.Helper()
	python := os.Getenv("PYTHON3")
	if python == "" {
		python = "/usr/bin/python3" // Debian's: python3-dkim installs for it alone
	}
	if err := exec.Command(python, "-c", "import dkim").Run(); err == nil {
		return python
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s cannot import dkim: .ci/run installs Debian's python3-dkim", python)
	}
	t.Skip("python3-dkim is not installed (apt-get install python3-dkim); CI runs this test")
	return ""
}
