package config

import (
	"math"
	"strconv"
	"strings"
)

// Health holds the thresholds of a sender's health over 7 days (DESIGN
// "Trust and limits"), as fractions (0.003 is 0.3 %); 0 turns a check off:
//   - MaxComplaintRate (POSTRIDER_MAX_COMPLAINT_RATE, default 0.3 %):
//     complaints per message sent;
//   - MaxBounceRate (POSTRIDER_MAX_BOUNCE_RATE, default 5 %): hard bounces
//     and refusals held against the sender per message sent.
//
// Both apply from HealthFloor messages sent in the 7 days.
type Health struct {
	MaxComplaintRate float64
	MaxBounceRate    float64
}

// Defaults of the thresholds, and the messages sent in 7 days from which
// they apply (DESIGN names 1,000 for complaints; bounces take the same).
const (
	DefaultMaxComplaintRate = 0.003
	DefaultMaxBounceRate    = 0.05
	HealthFloor             = 1000
)

func healthFromEnv(get func(string) string, bad func(name, format string, args ...any)) Health {
	h := Health{MaxComplaintRate: DefaultMaxComplaintRate, MaxBounceRate: DefaultMaxBounceRate}
	for _, v := range []struct {
		name string
		to   *float64
	}{{"MAX_COMPLAINT_RATE", &h.MaxComplaintRate}, {"MAX_BOUNCE_RATE", &h.MaxBounceRate}} {
		raw := get(v.name)
		if raw == "" {
			continue
		}
		rate, ok := ParsePercent(raw)
		if !ok {
			bad(v.name, "%q is not a percentage from 0 to 100, such as 0.3%% (0 = no automatic stop)", raw)
			continue
		}
		*v.to = rate
	}
	return h
}

// ParsePercent reads a percentage, with or without its sign ("0.3%" and
// "0.3" are both 0.3 %, returned as 0.003), from 0 to 100.
func ParsePercent(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 || p > 100 || math.IsNaN(p) {
		return 0, false
	}
	return p / 100, true
}
