package contacts

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/radicaletest"
)

const benchContacts = 10_000

// benchCard is contact i of the generated book: two valid, distinct NANP numbers each.
func benchCard(i int, rev string) string {
	return radicaletest.Card(fmt.Sprintf("c%05d", i), fmt.Sprintf("Person %05d%s", i, rev),
		fmt.Sprintf("TEL;TYPE=WORK:+1 212 %03d %04d", 200+i/10000, i%10000),
		fmt.Sprintf("TEL;TYPE=CELL:(646) %03d-%04d", 300+i/10000, i%10000),
		fmt.Sprintf("EMAIL:person%05d@example.com", i),
		"ORG:Example Corp")
}

// BenchmarkMatch: caller match on a 10,000-contact book held in memory. Reports the p99
// of one match (goal: under 1 ms) and the heap held for the contacts and their index.
func BenchmarkMatch(b *testing.B) {
	heapBefore := heapInUse()
	st := newState(conn{})
	for i := range benchContacts {
		c, err := vcard.NewDecoder(strings.NewReader(benchCard(i, ""))).Decode()
		require.NoError(b, err)
		st.add(toEntry(fmt.Sprintf("/alice/book/c%05d.vcf", i), "e", c, "svc", "US"))
	}
	st.record(1, nil)
	heldBytes := heapInUse() - heapBefore
	runtime.KeepAlive(st)

	numbers := make([]string, 1024)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("+1646%03d%04d", 300, (i*7919)%benchContacts)
	}
	var durations []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		m := st.match(numbers[i%len(numbers):i%len(numbers)+1], "US")
		durations = append(durations, time.Since(start))
		if len(m[numbers[i%len(numbers)]]) != 1 {
			b.Fatalf("%s: no match", numbers[i%len(numbers)])
		}
		i++
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(heldBytes), "heap-bytes-held")
	b.ReportMetric(float64(heldBytes)/benchContacts, "heap-bytes/contact")
}

// BenchmarkSync: against Radicale with a 10,000-contact book. "full" is a first sync as the
// widget drives it (every page); "incremental-10" is the sync after 10 cards changed,
// reporting the bytes it moved, which must be about the 10 cards, not the book.
func BenchmarkSync(b *testing.B) {
	r := radicaletest.Start(b)
	book := r.MkBook(b, "bench")
	dir := filepath.Join(r.Store, "collection-root", radicaletest.User, "bench")
	for i := range benchContacts {
		// Written straight into Radicale's storage: 10,000 PUTs would take minutes.
		name := filepath.Join(dir, fmt.Sprintf("c%05d.vcf", i))
		require.NoError(b, os.WriteFile(name, []byte(benchCard(i, "")), 0o600))
	}
	g := radicaletest.NewGateway(b, r, "good-token")
	counter := &countingTransport{rt: http.DefaultTransport}
	client := func() *http.Client {
		return &http.Client{Transport: &bearerTransport{token: "good-token", rt: counter}}
	}

	b.Run("full", func(b *testing.B) {
		var pages, bytes int64
		for b.Loop() {
			bk := New(Config{URL: g.URL + book, ServiceName: "svc"}, client(), nil)
			before := counter.n.Load()
			pages = int64(drain(b, bk))
			bytes = counter.n.Load() - before
		}
		b.ReportMetric(float64(pages), "pages")
		b.ReportMetric(float64(bytes), "bytes")
	})

	b.Run("incremental-10", func(b *testing.B) {
		bk := New(Config{URL: g.URL + book, ServiceName: "svc"}, client(), nil)
		first, err := bk.HandleContacts(context.Background(), nil)
		require.NoError(b, err)
		ts := first.(*ContactsResponse).SyncTimestamp
		var bytes int64
		round := 0
		for b.Loop() {
			b.StopTimer()
			round++
			for j := range 10 {
				r.Put(b, book, fmt.Sprintf("c%05d", j*997), benchCard(j*997, fmt.Sprintf(" rev%d", round)))
			}
			b.StartTimer()
			before := counter.n.Load()
			got, err := bk.HandleContacts(context.Background(), fmt.Appendf(nil, `{"page":1,"syncTimestamp":%d}`, *ts))
			require.NoError(b, err)
			bytes = counter.n.Load() - before
			resp := got.(*ContactsResponse)
			require.Len(b, resp.Data, 10)
			ts = resp.SyncTimestamp
		}
		b.ReportMetric(float64(bytes), "bytes")
	})
}

// drain asks for every page of a first sync as the widget does and returns how many there
// were.
func drain(tb testing.TB, bk *Book) int {
	pages := 0
	for page := 1; ; pages++ {
		body := fmt.Appendf(nil, `{"page":%d}`, page)
		got, err := bk.HandleContacts(context.Background(), body)
		require.NoError(tb, err)
		resp := got.(*ContactsResponse)
		if resp.NextPage == nil {
			return pages + 1
		}
		page = *resp.NextPage
	}
}

// countingTransport counts the bytes of request and response bodies.
type countingTransport struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.ContentLength > 0 {
		c.n.Add(req.ContentLength)
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.n}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// bearerTransport is the minimum of oauth2.Transport, over the counting transport.
type bearerTransport struct {
	token string
	rt    http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.rt.RoundTrip(req)
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
