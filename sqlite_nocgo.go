//go:build !cgo

package main

import "github.com/pocketbase/pocketbase/core"

// Without cgo, PocketBase's pure-Go SQLite (modernc.org/sqlite) is used.
var dbConnect core.DBConnectFunc
