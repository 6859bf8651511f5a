package config

import "strings"

// POSTRIDER_APPROVAL: whose mailings wait for a moderator before they send
// (DESIGN.md "Trust and limits").
const (
	// ApprovalOff: nobody's; nothing is ever pending (the default)
	ApprovalOff = "off"
	// ApprovalNewUsers: the mailings of users not trusted
	ApprovalNewUsers = "new_users"
	// ApprovalAll: everyone's
	ApprovalAll = "all"
)

func approvalFromEnv(get func(string) string, bad func(name, format string, args ...any)) string {
	v := strings.ToLower(get("APPROVAL"))
	switch v {
	case "":
		return ApprovalOff
	case ApprovalOff, ApprovalNewUsers, ApprovalAll:
		return v
	}
	bad("APPROVAL", "%q is not one of off, new_users, all", v)
	return ApprovalOff
}
