package health

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/internal/lifecycle"
)

// ActionAutoStop is the moderation_log action of an automatic stop.
const ActionAutoStop = "auto_stop"

// Stop reads owner's figures and, when a rate passed its limit with at
// least config.HealthFloor messages sent in the window, stops each of
// their mailings that may still send (not stopped, not completed): stopped,
// auto_stopped (only a moderator resumes it), no stopped_by, stop_reason
// naming the figure; and logs one auto_stop row per mailing, with no
// moderator, in the same transaction. A mailing a moderator resumed within
// the window is left alone: the figures that stopped it still count, and
// the moderator chose to let it send. A mailing already stopped is not
// stopped again nor logged, so a second report changes nothing. It
// returns how many mailings it stopped.
func Stop(app core.App, limits config.Health, owner string, now time.Time) (int, error) {
	if limits.MaxComplaintRate <= 0 && limits.MaxBounceRate <= 0 {
		return 0, nil
	}
	since := Since(now)
	// the mailings first: a sender with none that may send costs one read
	// of a few rows
	var ids []string
	err := app.DB().NewQuery(`
		SELECT m.id FROM mailings m
		WHERE m.owner = {:owner} AND m.stopped = FALSE AND m.status != '` + lifecycle.MailingCompleted + `'
		  AND NOT EXISTS (SELECT 1 FROM moderation_log l WHERE l.user = m.owner AND l.created >= {:since}
		                  AND l.mailing = m.id AND l.action = 'resume')`).
		Bind(dbx.Params{"owner": owner, "since": since}).Column(&ids)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	f, err := Of(app, owner, now)
	if err != nil {
		return 0, err
	}
	reason := Passed(f, limits)
	if reason == "" {
		return 0, nil
	}
	stopped := 0
	err = app.RunInTransaction(func(tx core.App) error {
		stopped = 0
		logs, err := tx.FindCachedCollectionByNameOrId("moderation_log")
		if err != nil {
			return err
		}
		for _, id := range ids {
			m, err := tx.FindRecordById("mailings", id)
			if err != nil || m.GetBool("stopped") || m.GetString("status") == lifecycle.MailingCompleted {
				continue // deleted, stopped or completed since the read
			}
			m.Set("stopped", true)
			m.Set("auto_stopped", true)
			m.Set("stopped_by", "")
			m.Set("stop_reason", reason)
			if err := tx.Save(m); err != nil {
				return err
			}
			entry := core.NewRecord(logs)
			entry.Set("action", ActionAutoStop)
			entry.Set("user", owner)
			entry.Set("mailing", id)
			entry.Set("reason", reason)
			if err := tx.Save(entry); err != nil {
				return err
			}
			stopped++
		}
		return nil
	})
	return stopped, err
}

// Passed says which rate of f passed its limit, as a stop's reason: its
// figures in English, as the service's other stored notes (the web app
// says what happened in the reader's language around it), or "" when none
// did or fewer than config.HealthFloor messages were sent.
func Passed(f Figures, limits config.Health) string {
	if f.Sent < config.HealthFloor {
		return ""
	}
	if limits.MaxComplaintRate > 0 && f.ComplaintRate() > limits.MaxComplaintRate {
		rate, limit := percents(f.ComplaintRate(), limits.MaxComplaintRate)
		return fmt.Sprintf("complaint rate %s over 7 days (%s of %s messages) passed the limit of %s",
			rate, thousands(f.Complaints), thousands(f.Sent), limit)
	}
	if limits.MaxBounceRate > 0 && f.BounceRate() > limits.MaxBounceRate {
		rate, limit := percents(f.BounceRate(), limits.MaxBounceRate)
		return fmt.Sprintf("bounce rate %s over 7 days (%s hard bounces and refusals of %s messages) passed the limit of %s",
			rate, thousands(f.Hard+f.Refused), thousands(f.Sent), limit)
	}
	return ""
}

// percents writes a rate and the limit it passed as percentages ("0.42 %",
// "0.3 %"), with two decimals, or as many more as the rate needs to read
// above the limit (0.30075 %, not 0.3 %).
func percents(rate, limit float64) (string, string) {
	for decimals := 2; ; decimals++ {
		r, l := percent(rate, decimals), percent(limit, decimals)
		if r != l || decimals == 6 {
			return r, percent(limit, 6)
		}
	}
}

func percent(r float64, decimals int) string {
	s := strconv.FormatFloat(r*100, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + " %"
}

// thousands writes n with commas between its thousands (1,190).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
