package dispatch

import (
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// A window sent at each recipient's own time (schedules.recipient_time) is
// claimed when the first zone reaches its occurrence (claim.go), up to 26
// hours before the owner's own. Each delivery is written pending with its
// own moment, the occurrence's wall clock in the client's zone (the
// owner's when the client has none), as its next_try_at and its run_at:
// no pass tries it before then (run.go), the run's next_try_at wakes a
// pass then (wake.go), and its give-up clock counts from it (retry.go). A
// client whose moment falls outside the window is skipped at the claim,
// failed unsent (SkippedOutsideWindow), and counts among the run's failed
// like a bouncing one.

// recipientTime is what places a run's deliveries at their own moments.
type recipientTime struct {
	owner      *time.Location
	start, end time.Time
	runAt      time.Time // the owner's occurrence
}

// recipientTimeOf reads whether a run is of a window sent at each
// recipient's own time; nil when it is not (retry runs send at once).
func recipientTimeOf(app core.App, run *core.Record) (*recipientTime, error) {
	if run.GetString("kind") != lifecycle.RunScheduled {
		return nil, nil
	}
	var row struct {
		On       bool           `db:"recipient_time"`
		Start    types.DateTime `db:"starts_at"`
		End      types.DateTime `db:"ends_at"`
		Timezone string         `db:"timezone"`
	}
	err := app.DB().NewQuery(`SELECT s.recipient_time, s.starts_at, s.ends_at, u.timezone
		FROM schedules s JOIN users u ON u.id = {:owner} WHERE s.id = {:schedule}`).
		Bind(dbx.Params{"owner": run.GetString("owner"), "schedule": run.GetString("schedule")}).One(&row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !row.On) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &recipientTime{owner: schedule.Zone(row.Timezone), start: row.Start.Time(), end: row.End.Time(),
		runAt: run.GetDateTime("run_at").Time()}, nil
}

// at is when a client whose zone is tz gets the occurrence.
func (rt *recipientTime) at(tz string) time.Time {
	loc := rt.owner
	if schedule.KnownZone(tz) {
		loc = schedule.Zone(tz)
	}
	return schedule.AtRecipient(rt.runAt, rt.owner, loc)
}

// place sets the moment of each pending delivery of run that one chunk
// just wrote (its clients after after, up to upTo when given), by the
// client's zone: two statements for the whole chunk, whatever the zones.
func (rt *recipientTime) place(tx core.App, run, after string, upTo []string) error {
	params := dbx.Params{"run": run, "after": after, "upTo": "", "outside": SkippedOutsideWindow, "now": dbTime(time.Now())}
	chunk := `d.run = {:run} AND d.client > {:after} AND ({:upTo} = '' OR d.client <= {:upTo}) AND d.status = '` + deliveryPending + `'`
	if len(upTo) > 0 {
		params["upTo"] = upTo[0]
	}
	var zones []string
	err := tx.DB().NewQuery(`SELECT DISTINCT c.timezone FROM deliveries d JOIN clients c ON c.id = d.client WHERE ` + chunk).
		Bind(params).Column(&zones)
	if err != nil {
		return err
	}
	moments := map[string][2]any{} // zone → its moment, and whether it is inside the window
	for _, tz := range zones {
		at := rt.at(tz)
		moments[tz] = [2]any{dbTime(at), !at.Before(rt.start) && !at.After(rt.end)}
	}
	b, err := json.Marshal(moments)
	if err != nil {
		return err
	}
	params["moments"] = string(b)
	set := map[bool]string{
		true:  `next_try_at = m.value ->> 0, run_at = m.value ->> 0, updated = {:now}`,
		false: `status = '` + deliveryFailed + `', response = {:outside}, run_at = m.value ->> 0, updated = {:now}`,
	}
	for _, inside := range []bool{true, false} {
		params["inside"] = inside
		_, err := tx.DB().NewQuery(`
			UPDATE deliveries AS d SET ` + set[inside] + `
			FROM clients c, json_each({:moments}) m
			WHERE ` + chunk + ` AND c.id = d.client AND m.key = c.timezone AND (m.value ->> 1) = {:inside}`).
			Bind(params).Execute()
		if err != nil {
			return err
		}
	}
	return nil
}
