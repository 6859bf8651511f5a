package config

import (
	"strings"
	"testing"
)

func TestApprovalFromEnv(t *testing.T) {
	env := func(value string) func(string) string {
		return func(k string) string {
			if k == Prefix+"APPROVAL" {
				return value
			}
			return ""
		}
	}
	for value, want := range map[string]string{"": ApprovalOff, "off": ApprovalOff, "new_users": ApprovalNewUsers, " ALL ": ApprovalAll} {
		c, err := FromEnv(env(value))
		if err != nil || c.Approval != want {
			t.Errorf("POSTRIDER_APPROVAL=%q: approval %q, err %v; want %q", value, c.Approval, err, want)
		}
	}
	for _, value := range []string{"on", "new-users", "yes"} {
		_, err := FromEnv(env(value))
		if err == nil || !strings.Contains(err.Error(), "POSTRIDER_APPROVAL") || !strings.Contains(err.Error(), "new_users") {
			t.Errorf("POSTRIDER_APPROVAL=%q: err = %v, want one naming the variable and its values", value, err)
		}
	}
}
