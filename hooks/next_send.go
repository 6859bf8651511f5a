package hooks

import "postrider/internal/schedule"

// windowSendsNext is the SQL condition that a window s's next_run_at is a
// send to come: set, and not a welcome (on_join) window's start, when it
// only opens: its messages go a delay after each client joins its list.
const windowSendsNext = `s.[[next_run_at]] != '' AND s.[[period]] != '` + schedule.PeriodOnJoin + `'`
