package hooks

import (
	"log/slog"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

func bindPosts(app core.App) {
	// a post's views count its readers (the dashboard's reads aside)
	app.OnRecordViewRequest("posts").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			_, err := e.App.NonconcurrentDB().NewQuery("UPDATE {{posts}} SET [[views]] = [[views]] + 1 WHERE [[id]] = {:id}").
				Bind(dbx.Params{"id": e.Record.Id}).Execute()
			if err != nil {
				e.App.Logger().Warn("Failed to count a post view", slog.String("post", e.Record.Id), slog.String("error", err.Error()))
			} else {
				e.Record.Set("views", e.Record.GetInt("views")+1)
			}
		}
		return e.Next()
	})
}
