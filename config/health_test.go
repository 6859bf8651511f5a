package config

import (
	"strings"
	"testing"
)

func TestHealthFromEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Health != (Health{MaxComplaintRate: 0.003, MaxBounceRate: 0.05}) {
		t.Errorf("defaults = %+v, want 0.3 %% and 5 %%", c.Health)
	}
	c, err = FromEnv(env(map[string]string{"POSTRIDER_MAX_COMPLAINT_RATE": "0.5%", "POSTRIDER_MAX_BOUNCE_RATE": " 2 "}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Health != (Health{MaxComplaintRate: 0.005, MaxBounceRate: 0.02}) {
		t.Errorf("0.5%% and 2 = %+v, want 0.005 and 0.02", c.Health)
	}
	c, err = FromEnv(env(map[string]string{"POSTRIDER_MAX_COMPLAINT_RATE": "0"}))
	if err != nil || c.Health.MaxComplaintRate != 0 {
		t.Errorf("0 = %+v, %v: want the check off", c.Health, err)
	}
	for _, value := range []string{"0.3 percent", "-1", "101%", "NaN", "%"} {
		for _, name := range []string{"MAX_COMPLAINT_RATE", "MAX_BOUNCE_RATE"} {
			_, err := FromEnv(env(map[string]string{Prefix + name: value}))
			if err == nil || !strings.Contains(err.Error(), Prefix+name) || !strings.Contains(err.Error(), "percentage") {
				t.Errorf("%s=%q: err = %v, want one naming the variable", name, value, err)
			}
		}
	}
}
