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
	e164       []string   // valid numbers only, for the match index
	exts       []string   // extension numbers ("101"), for the match index
	name       string     // lower-case name, for search
	forms      [][]string // per phone entry: the ways its number is written, for search
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
		number, forms := raw, []string{raw}
		if n, ok := NormalizeNumber(raw, region); ok {
			number = n
			if !slices.Contains(e.e164, n) {
				e.e164 = append(e.e164, n)
			}
			forms = writtenForms(n, raw)
		} else if x, ok := extensionOf(raw); ok && !slices.Contains(e.exts, x) {
			e.exts = append(e.exts, x)
		}
		c.PhoneNumbers = append(c.PhoneNumbers, Phone{PhoneNumber: number, PhoneType: phoneType(f.Params.Types())})
		e.forms = append(e.forms, forms)
	}
	e.name = strings.ToLower(c.Name)
	return e
}

// writtenForms are the ways a valid number is written: E.164 first (what the contact list
// shows), then as the card wrote it, nationally and internationally. The widget keeps a
// search hit on a number only if the number string it gets contains the query verbatim
// (PROTOCOL.md, Contacts: search), so search answers with the form that does.
func writtenForms(e164, raw string) []string {
	forms := []string{e164, raw}
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		forms = append(forms, phonenumbers.Format(n, phonenumbers.NATIONAL), phonenumbers.Format(n, phonenumbers.INTERNATIONAL))
	}
	return slices.Compact(forms)
}

// maxExtensionDigits: RingCentral extension numbers are short (up to 8 digits with a site
// code); anything longer that is not a valid number is no extension either.
const maxExtensionDigits = 8

// extensionOf says whether raw, which is not a valid phone number, is an extension number
// such as "101" (the widget asks to match those next to E.164 numbers), and returns its
// digits.
func extensionOf(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxExtensionDigits || strings.Trim(raw, "0123456789") != "" {
		return "", false
	}
	return raw, true
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

// normalizeETag makes the ETag of a PROPFIND/REPORT (quoted, maybe weak) comparable with
// the one go-webdav hands back (unquoted).
func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}
