package dispatch

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// probeSize is how much a probe writes: more than recording the first
// outcomes of every connection takes, so that a database that cannot
// grow (a full disk) fails the probe rather than the recording that
// follows a message already sent.
const probeSize = 256 << 10

// probeWrite shows that the database can be written now: it commits a
// probeSize row to the scratch table _postrider_probe, then removes it
// (the freed pages stay in the file, for the outcomes to come). A full
// disk, a read-only file or a database locked past its timeout fails it.
func probeWrite(app core.App) error {
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery(`INSERT INTO _postrider_probe (pad) VALUES (zeroblob({:n}))`).
		Bind(dbx.Params{"n": probeSize}).Execute(); err != nil {
		return err
	}
	_, err := db.NewQuery(`DELETE FROM _postrider_probe`).Execute()
	return err
}
