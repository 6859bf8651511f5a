package hooks

import (
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/clientwords"
)

// searchMatchesMax is the most of a caller's clients' words one word typed
// may start for the search to read its matches from the words index (each
// read and sorted, the count exact); a broader search walks the clients in
// the page's order instead (clientSearch.broad).
const searchMatchesMax = 10000

// searchWordsMax bounds the words of a search: a longer one costs a range
// each and finds no more.
const searchWordsMax = 8

// wordsEnd is above every word that starts with what comes before it.
const wordsEnd = "\U0010FFFF"

// clientSearch is what was typed in the clients' search (q), read against
// the caller's words index (_postrider_client_words): each word typed must
// be the start of a word of the client's email, name or comment
// (internal/clientwords: split at spaces and punctuation, ASCII letters
// lowercased): "john.d" finds john.doe@example.com, "acme" everyone at
// acme.com, "Doe" every Doe; "ohn", the middle of a word, finds nothing.
type clientSearch struct {
	owner string
	// none when q has no word: no search
	words []string
	// counts: how many of the owner's clients' words each word starts, up
	// to searchMatchesMax+1; rarest: the word of the fewest
	counts []int
	rarest int
	// broad: even the rarest starts more than searchMatchesMax. The page
	// then walks the owner's clients in its order, testing each client's
	// own words, and has no total (walkPage)
	broad bool
}

// readSearch reads q as a search of owner's clients: its words and which of
// them starts the fewest clients' words.
func readSearch(e *core.RequestEvent, owner, q string) (clientSearch, error) {
	words := clientwords.Split(q)
	s := clientSearch{owner: owner, words: words[:min(len(words), searchWordsMax)], rarest: -1}
	fewest := 0
	for i, w := range s.words {
		var n int
		err := e.App.DB().NewQuery("SELECT COUNT(*) FROM (SELECT 1 FROM _postrider_client_words WHERE owner = {:owner} AND word >= {:word} AND word < {:end} LIMIT {:cap})").
			Bind(dbx.Params{"owner": owner, "word": w, "end": w + wordsEnd, "cap": searchMatchesMax + 1}).WithContext(e.Request.Context()).Row(&n)
		if err != nil {
			return s, e.InternalServerError("", err)
		}
		s.counts = append(s.counts, n)
		if s.rarest < 0 || n < fewest {
			s.rarest, fewest = i, n
		}
	}
	s.broad = s.rarest >= 0 && fewest > searchMatchesMax
	return s, nil
}

// on tells whether q was a search at all.
func (s clientSearch) on() bool { return len(s.words) > 0 }

// match is the condition of the clients that have a word starting with
// each word typed, nil when no search (matchBut).
func (s clientSearch) match() dbx.Expression { return s.matchBut(-1) }

// matchBut is match without the skip-th word (the rarest, when its range
// of the words index gives the clients already). A word of at most
// searchMatchesMax matches is looked up in the words index; a broader one
// would be a range too long to read for each page, so each client's own
// words are tested (split as the triggers split them; the word anywhere
// in the lowered text first, a cheap test that spares most clients the
// split).
func (s clientSearch) matchBut(skip int) dbx.Expression {
	var all []dbx.Expression
	for i, w := range s.words {
		n := strconv.Itoa(i)
		switch {
		case i == skip:
		case s.counts[i] > searchMatchesMax:
			like := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(w) + "%"
			all = append(all, dbx.NewExp("instr(lower("+clientwords.Text("clients")+"), {:in"+n+"}) > 0 AND EXISTS (SELECT 1 FROM "+clientwords.Each("clients")+" WHERE value LIKE {:like"+n+"} ESCAPE '\\')",
				dbx.Params{"in" + n: w, "like" + n: like}))
		default:
			all = append(all, dbx.NewExp("[[clients.id]] IN (SELECT [[client]] FROM {{_postrider_client_words}} WHERE [[owner]] = {:wordsOwner} AND [[word]] >= {:word"+n+"} AND [[word]] < {:wordEnd"+n+"})",
				dbx.Params{"wordsOwner": s.owner, "word" + n: w, "wordEnd" + n: w + wordsEnd}))
		}
	}
	if len(all) == 0 {
		return nil
	}
	return dbx.And(all...)
}

// walkRows is the fewest of the owner's clients a broad search's page
// walks before it gives up for the words index: at 1 % of the clients
// matching, evenly, a page of 50 needs about 5,000.
const walkRows = 10000

// walkPage reads into rows the page (params' limit and offset) of a broad
// search by walking the owner's clients (filters) in the page's order
// (from) and testing each one's words; the walk stops where the page is
// full, or at the key of its walkRows-th client (20 more for each row up to
// the page's end). false when it found too few there (the matches sit
// together, late in the order, as client77's at client770…): the caller
// then reads them from the words index instead.
func walkPage(e *core.RequestEvent, db *dbx.DB, s clientSearch, from string, filters dbx.Expression, cols []string, params dbx.Params, rows *[]*ClientRow) (bool, error) {
	limit, offset := params["limit"].(int), params["offset"].(int)
	params["walk"] = walkRows + 20*(offset+limit)
	// the bound: the walk's last key, none when the walk sees every client
	var bound []string
	err := db.NewQuery("SELECT LOWER(email) FROM " + from + " WHERE " + filters.Build(db, params) + " ORDER BY LOWER(email) LIMIT 1 OFFSET {:walk}").
		Bind(params).WithContext(e.Request.Context()).Column(&bound)
	if err != nil {
		return false, err
	}
	where := dbx.And(filters, s.match())
	if len(bound) > 0 {
		where = dbx.And(where, dbx.NewExp("LOWER([[email]]) <= {:bound}", dbx.Params{"bound": bound[0]}))
	}
	err = db.NewQuery("SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE " + where.Build(db, params) +
		" ORDER BY LOWER(email), clients.rowid LIMIT {:limit} OFFSET {:offset}").Bind(params).WithContext(e.Request.Context()).All(rows)
	if err != nil || len(*rows) == limit || len(bound) == 0 {
		return err == nil, err
	}
	*rows = []*ClientRow{}
	return false, nil
}
