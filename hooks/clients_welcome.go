package hooks

import (
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// A client who joins a list (saved with a list id its lists did not hold:
// by hand, REST, the batch API) gets the welcome of each welcome window of
// that list open now (dispatch/welcome.go), written in the transaction
// that saves the client: a join is never saved without its welcome. An
// import writes its joiners' welcomes itself, by the chunk
// (clients_import.go).
func bindClientWelcome(app core.App) {
	app.OnRecordCreateExecute("clients").BindFunc(func(e *core.RecordEvent) error {
		return welcomeJoins(e, nil)
	})
	app.OnRecordUpdateExecute("clients").BindFunc(func(e *core.RecordEvent) error {
		return welcomeJoins(e, e.Record.Original().GetStringSlice("lists"))
	})
}

// welcomeJoins saves the client and writes the welcomes of the lists it
// joined (in its lists now, not in before).
func welcomeJoins(e *core.RecordEvent, before []string) error {
	var joined []string
	for _, list := range e.Record.GetStringSlice("lists") {
		if !slices.Contains(before, list) {
			joined = append(joined, list)
		}
	}
	if len(joined) == 0 {
		return e.Next()
	}
	now := time.Now()
	original := e.App
	err := e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		for _, list := range joined {
			if _, err := dispatch.Welcome(tx, e.Record.GetString("owner"), list, []string{e.Record.Id}, now); err != nil {
				return err
			}
		}
		return nil
	})
	e.App = original
	return err
}
