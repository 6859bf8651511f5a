package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"postrider/internal/benchkit"
)

// fileCap is the import's cap (hooks.importMaxBytes); the files here stay
// just under it.
const fileCap = 64 << 20

// peaks sends 64 MB files to the server at base, one kind after another,
// and prints the server's peak memory through each (VmHWM, reset between
// them through /proc/PID/clear_refs, which needs root or the same user).
func peaks(client *http.Client, base, token string, pid int) {
	blank := []byte(strings.Repeat("\n", fileCap-4096))
	rows := func(prefix string) []byte { // a million and more clients
		var b bytes.Buffer
		for i := 0; b.Len() < fileCap-4096-80; i++ {
			fmt.Fprintf(&b, "%s%07d@rows.test,Name %07d,a comment to fill the row\n", prefix, i, i)
		}
		return b.Bytes()
	}
	unclosed := append([]byte("open@rows.test,\"a quote that is never closed\n"), rows("q")...)[:fileCap-4096]

	fmt.Printf("\n| 64 MB import (serve: `postrider serve`, pid %d) | answer | took | peak RSS of serve |\n|---|---|---|---|\n", pid)
	measure := func(name string, dry bool, files ...[]byte) {
		benchkit.Must(os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0))
		start := time.Now()
		answers := make([]string, len(files))
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Go(func() { answers[i] = importFile(client, base, token, f, dry) })
		}
		wg.Wait()
		fmt.Printf("| %s | %s | %.1f s | %.0f MiB |\n", name, strings.Join(answers, "; "), time.Since(start).Seconds(), benchkit.MemoryMiB(pid, "VmHWM"))
	}
	log.Printf("   serve at rest: %.0f MiB", benchkit.MemoryMiB(pid, "VmRSS"))
	measure("blank lines", false, blank)
	measure("two files of blank lines at once", false, blank, blank)
	a := rows("a")
	measure(fmt.Sprintf("%d rows, a dry run", bytes.Count(a, []byte("\n"))), true, a)
	measure(fmt.Sprintf("%d rows", bytes.Count(a, []byte("\n"))), false, a)
	measure("two files of as many new rows at once", false, rows("b"), rows("c"))
	measure("a quote never closed on line 1", false, unclosed)
}

// importFile sends one file to the import and sums up its answer.
func importFile(client *http.Client, base, token string, file []byte, dry bool) string {
	r, w := io.Pipe()
	form := multipart.NewWriter(w)
	go func() {
		part, _ := form.CreateFormFile("file", "clients.csv")
		part.Write(file)
		form.Close()
		w.Close()
	}()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/postrider/clients/import?dry_run=%t", base, dry), r)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var report struct{ Rows, Added, Duplicates, Refused int }
	if res.StatusCode != 200 || json.Unmarshal(raw, &report) != nil {
		return fmt.Sprintf("%d %.120s", res.StatusCode, raw)
	}
	return fmt.Sprintf("%d rows, %d added, %d duplicates", report.Rows, report.Added, report.Duplicates)
}
