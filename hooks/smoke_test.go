package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

func TestFixtureSmoke(t *testing.T) {
	s := tests.ApiScenario{
		Name:            "alice lists her mailings",
		Method:          http.MethodGet,
		URL:             "/api/collections/mailings/records",
		Headers:         map[string]string{"Authorization": tokens["alice"]},
		TestAppFactory:  newTestApp,
		ExpectedStatus:  200,
		ExpectedContent: []string{`"totalItems":1`, `"id":"` + aliceMailing + `"`},
	}
	s.Test(t)
}
