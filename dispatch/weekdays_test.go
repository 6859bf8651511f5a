package dispatch_test

import (
	"testing"
	"time"

	"postrider/dispatch"
)

// "Every weekday at 09:00": a pass each day from a Friday to a Tuesday
// sends on Friday, Monday and Tuesday only, each client once a day, and
// after Friday the window waits for Monday.
func TestADailyWindowSendsOnItsDaysOfTheWeekOnly(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(2)
	friday := time.Date(2027, 3, 5, 9, 0, 0, 0, time.UTC)
	window := w.save("schedules", map[string]any{
		"mailing": m.Id, "starts_at": friday, "ends_at": friday.AddDate(0, 0, 4).Add(time.Hour), "period": "daily",
		"next_run_at": friday, "weekdays": []string{"mon", "tue", "wed", "thu", "fri"},
	})
	want := map[time.Weekday]int{time.Friday: 2, time.Saturday: 0, time.Sunday: 0, time.Monday: 2, time.Tuesday: 2}
	for d := range 5 {
		now := friday.AddDate(0, 0, d).Add(time.Minute)
		s := w.mustPass(dispatch.Options{Now: func() time.Time { return now }})
		if s.Sent != want[now.Weekday()] {
			t.Errorf("%s: sent %d, want %d", now.Weekday(), s.Sent, want[now.Weekday()])
		}
		if now.Weekday() == time.Friday {
			if next := w.reload(window).GetDateTime("next_run_at").Time(); !next.Equal(friday.AddDate(0, 0, 3)) {
				t.Errorf("after Friday the window is next due %s, want Monday 09:00", next)
			}
		}
	}
	if n := len(w.smtp.Messages()); n != 6 {
		t.Errorf("the server got %d messages, want 6", n)
	}
}
