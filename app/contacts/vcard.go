package contacts

import (
	"slices"
	"strings"

	"github.com/emersion/go-vcard"
	"github.com/nyaruka/phonenumbers"
)

// entry is one address object as held in memory: the widget's contact plus what search and
// match need, computed once when the card arrives.
type entry struct {
	href, etag string
	c          Contact
	e164       []string // valid numbers only, for the match index
	text       string   // lower-case name, emails and company, for search
	digits     []string // digits of each number as written and as E.164, for search
}

// toEntry converts one vCard. The id is the UID, or the href when the card has none.
func toEntry(href, etag string, card vcard.Card, service, region string) *entry {
	e := &entry{href: href, etag: normalizeETag(etag)}
	c := &e.c
	c.ID = strings.TrimSpace(card.Value(vcard.FieldUID))
	if c.ID == "" {
		c.ID = href
	}
	c.Type = service
	c.Emails = []string{}
	c.PhoneNumbers = []Phone{}
	for _, f := range card[vcard.FieldEmail] {
		if v := strings.TrimSpace(f.Value); v != "" {
			c.Emails = append(c.Emails, v)
		}
	}
	c.Company = firstComponent(card.Value(vcard.FieldOrganization))
	c.JobTitle = strings.TrimSpace(card.Value(vcard.FieldTitle))
	c.Name = contactName(card, c)
	if p := strings.TrimSpace(card.Value(vcard.FieldPhoto)); strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
		c.ProfileImageURL = p
	}
	for _, f := range card[vcard.FieldTelephone] {
		raw := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.Value), "tel:"))
		if raw == "" {
			continue
		}
		number := raw
		if n, ok := NormalizeNumber(raw, region); ok {
			number = n
			if !slices.Contains(e.e164, n) {
				e.e164 = append(e.e164, n)
			}
			e.digits = append(e.digits, digitsOf(n))
		}
		e.digits = append(e.digits, digitsOf(raw))
		c.PhoneNumbers = append(c.PhoneNumbers, Phone{PhoneNumber: number, PhoneType: phoneType(f.Params.Types())})
	}
	e.text = strings.ToLower(strings.Join(append([]string{c.Name, c.Company}, c.Emails...), "\x00"))
	return e
}

// contactName: FN, else the structured N, else the company, else the first email.
func contactName(card vcard.Card, c *Contact) string {
	if fn := strings.TrimSpace(card.Value(vcard.FieldFormattedName)); fn != "" {
		return fn
	}
	if n := card.Name(); n != nil {
		if s := strings.Join(strings.Fields(strings.Join([]string{n.HonorificPrefix, n.GivenName, n.AdditionalName, n.FamilyName, n.HonorificSuffix}, " ")), " "); s != "" {
			return s
		}
	}
	if c.Company != "" {
		return c.Company
	}
	if len(c.Emails) > 0 {
		return c.Emails[0]
	}
	return ""
}

// firstComponent returns the organization name of a structured ORG value ("Acme;Sales").
func firstComponent(v string) string {
	for _, part := range strings.Split(v, ";") {
		if p := strings.TrimSpace(part); p != "" {
			return p
		}
	}
	return ""
}

// phoneType maps vCard TEL types (RFC 6350 6.4.1, plus the common cell/iphone/main
// extensions) to the widget's phoneType names. The most specific kind wins: a "work,fax"
// number is a fax.
func phoneType(types []string) string {
	has := map[string]bool{}
	for _, t := range types {
		for _, p := range strings.Split(t, ",") {
			has[strings.ToLower(strings.TrimSpace(p))] = true
		}
	}
	switch {
	case has["fax"]:
		return "fax"
	case has["cell"], has["mobile"], has["iphone"]:
		return "mobile"
	case has["work"]:
		return "business"
	case has["home"]:
		return "home"
	case has["main"]:
		return "company"
	case has["pager"], has["text"], has["video"], has["textphone"], has["other"]:
		return "other"
	default:
		return "phone"
	}
}

// NormalizeNumber parses a phone number as written (E.164, international, or national for
// region) and returns it in E.164. ok is false for a number that is not valid.
func NormalizeNumber(raw, region string) (e164 string, ok bool) {
	if region == "" {
		region = "US"
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeETag makes the ETag of a PROPFIND/REPORT (quoted, maybe weak) comparable with
// the one go-webdav hands back (unquoted).
func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}
