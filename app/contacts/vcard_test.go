package contacts

import (
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/stretchr/testify/require"
)

func decodeCard(t *testing.T, text string) vcard.Card {
	t.Helper()
	c, err := vcard.NewDecoder(strings.NewReader(text)).Decode()
	require.NoError(t, err)
	return c
}

func TestToEntry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  Contact
	}{
		{
			name:  "no UID: the href is the id; N gives the name",
			lines: []string{"N:Hopper;Grace;Brewster;RADM;", "TEL;TYPE=cell:tel:+1-202-555-0173"},
			want: Contact{ID: "/book/x.vcf", Name: "RADM Grace Brewster Hopper", Type: "svc",
				PhoneNumbers: []Phone{{"+12025550173", "mobile"}}, Emails: []string{}},
		},
		{
			name:  "no name at all: the company",
			lines: []string{"UID:u1", "ORG:Acme\\, Inc.;Sales", "TITLE:Boss", "PHOTO;ENCODING=b;TYPE=JPEG:AAAA"},
			want:  Contact{ID: "u1", Name: "Acme, Inc.", Type: "svc", PhoneNumbers: []Phone{}, Emails: []string{}, Company: "Acme, Inc.", JobTitle: "Boss"},
		},
		{
			name:  "only an email",
			lines: []string{"UID:u2", "EMAIL:x@y.example", "EMAIL;TYPE=work:z@y.example"},
			want:  Contact{ID: "u2", Name: "x@y.example", Type: "svc", PhoneNumbers: []Phone{}, Emails: []string{"x@y.example", "z@y.example"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := decodeCard(t, "BEGIN:VCARD\r\nVERSION:3.0\r\n"+strings.Join(tc.lines, "\r\n")+"\r\nEND:VCARD\r\n")
			require.Equal(t, tc.want, toEntry("/book/x.vcf", `"etag"`, card, "svc", "US").c)
		})
	}
}

func TestPhoneType(t *testing.T) {
	for _, tc := range []struct {
		types []string
		want  string
	}{
		{nil, "phone"},
		{[]string{"voice"}, "phone"},
		{[]string{"CELL"}, "mobile"},
		{[]string{"iphone"}, "mobile"},
		{[]string{"work"}, "business"},
		{[]string{"work,fax"}, "fax"},
		{[]string{"WORK", "VOICE", "pref"}, "business"},
		{[]string{"home"}, "home"},
		{[]string{"main"}, "company"},
		{[]string{"pager"}, "other"},
	} {
		require.Equal(t, tc.want, phoneType(tc.types), "%v", tc.types)
	}
}

func TestNormalizeNumber(t *testing.T) {
	for _, tc := range []struct {
		raw, region, want string
		ok                bool
	}{
		{"+1 (212) 555-0101", "US", "+12125550101", true},
		{"212.555.0101", "US", "+12125550101", true},
		{"212.555.0101", "", "+12125550101", true}, // region defaults to US
		{"020 7946 0958", "GB", "+442079460958", true},
		{"00442079460958", "DE", "+442079460958", true},
		{"+10000000000", "US", "", false},
		{"12345", "US", "", false},
		{"not a number", "US", "", false},
	} {
		got, ok := NormalizeNumber(tc.raw, tc.region)
		require.Equal(t, tc.ok, ok, tc.raw)
		require.Equal(t, tc.want, got, tc.raw)
	}
}

func TestIntOf(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
		ok   bool
	}{
		{``, 0, false}, {`null`, 0, false}, {`2`, 2, true}, {`"3"`, 3, true},
		{`1732000000000`, 1732000000000, true}, {`1.732e12`, 1732000000000, true}, {`"x"`, 0, false},
	} {
		got, ok := intOf([]byte(tc.raw))
		require.Equal(t, tc.ok, ok, tc.raw)
		require.Equal(t, tc.want, got, tc.raw)
	}
}
