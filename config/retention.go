package config

import "strconv"

// MinLogRetentionDays is the shortest log a service may keep: a delivery
// is tried for up to 5 days (RetryFor), its bounce or complaint may come
// days after, and sender health reads the last 7.
const MinLogRetentionDays = 30

// retentionFromEnv reads POSTRIDER_LOG_RETENTION_DAYS: 0 (the default)
// keeps every delivery; n deletes those of runs that finished more than n
// days ago (dispatch/retention.go).
func retentionFromEnv(get func(string) string, bad func(name, format string, args ...any)) int {
	v := get("LOG_RETENTION_DAYS")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || (n > 0 && n < MinLogRetentionDays) || n > 36500 {
		bad("LOG_RETENTION_DAYS", "%q is not 0 (keep every delivery) or a number of days from %d to 36500", v, MinLogRetentionDays)
		return 0
	}
	return n
}
