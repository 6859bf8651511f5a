package health

import (
	"testing"

	"postrider/config"
)

// What a stop's reason says: the figure, its parts, the limit; a rate
// just over its limit reads over it.
func TestPassedNamesTheFigure(t *testing.T) {
	limits := config.Health{MaxComplaintRate: 0.003, MaxBounceRate: 0.05}
	cases := []struct {
		f    Figures
		want string
	}{
		{Figures{Sent: 1190, Complaints: 5}, "complaint rate 0.42 % over 7 days (5 of 1,190 messages) passed the limit of 0.3 %"},
		{Figures{Sent: 1330, Complaints: 4}, "complaint rate 0.301 % over 7 days (4 of 1,330 messages) passed the limit of 0.3 %"},
		{Figures{Sent: 1000, Complaints: 3}, ""},
		{Figures{Sent: 999, Complaints: 50}, ""},
		{Figures{Sent: 12000, Hard: 500, Refused: 150}, "bounce rate 5.42 % over 7 days (650 hard bounces and refusals of 12,000 messages) passed the limit of 5 %"},
		{Figures{Sent: 1000, Hard: 50}, ""},
	}
	for _, c := range cases {
		if got := Passed(c.f, limits); got != c.want {
			t.Errorf("Passed(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	if got := Passed(Figures{Sent: 1000, Complaints: 900}, config.Health{MaxBounceRate: 0.05}); got != "" {
		t.Errorf("with the complaint check off: %q", got)
	}
}
