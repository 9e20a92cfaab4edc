package provider

import (
	"fmt"
	"strings"

	"github.com/emersion/go-vcard"
)

// sample is one demo contact. Phone numbers are in the US 555-0100..0199 block, which is
// reserved for fiction, and mix E.164 with national formats the way real address books do,
// so the app's number normalisation and matching have something to do. Emails use the
// example.com/.net/.org domains (RFC 2606).
type sample struct {
	given, family, org, title string
	phones                    []phone
	emails                    []string
}

type phone struct{ kind, number string }

func ph(kind, number string) phone { return phone{kind, number} }

var samples = []sample{
	{"Olivia", "Bennett", "Northwind Traders", "Account Executive", []phone{ph("work", "+14155550101"), ph("cell", "(415) 555-0102")}, []string{"olivia.bennett@northwind.example.com"}},
	{"Liam", "Carter", "Northwind Traders", "Sales Director", []phone{ph("work", "+1 415 555 0103")}, []string{"liam.carter@northwind.example.com"}},
	{"Emma", "Rodriguez", "Contoso Health", "Practice Manager", []phone{ph("work", "(212) 555-0104"), ph("cell", "+12125550105")}, []string{"emma.rodriguez@contoso.example.org"}},
	{"Noah", "Kim", "Contoso Health", "IT Administrator", []phone{ph("work", "212-555-0106")}, []string{"noah.kim@contoso.example.org", "nkim@example.net"}},
	{"Ava", "Patel", "Fabrikam Logistics", "Operations Lead", []phone{ph("work", "+13125550107")}, []string{"ava.patel@fabrikam.example.com"}},
	{"Elijah", "Nguyen", "Fabrikam Logistics", "Dispatcher", []phone{ph("cell", "(312) 555-0108"), ph("work", "(312) 555-0109")}, []string{"elijah.nguyen@fabrikam.example.com"}},
	{"Sophia", "Johnson", "Tailspin Toys", "Buyer", []phone{ph("work", "+16175550110")}, []string{"sophia.johnson@tailspin.example.com"}},
	{"James", "O'Connor", "Tailspin Toys", "Chief Financial Officer", []phone{ph("work", "617.555.0111"), ph("home", "+16175550112")}, []string{"james.oconnor@tailspin.example.com"}},
	{"Isabella", "García", "Wide World Importers", "Procurement Specialist", []phone{ph("work", "(206) 555-0113")}, []string{"isabella.garcia@wideworld.example.net"}},
	{"Benjamin", "Schwartz", "Wide World Importers", "VP Partnerships", []phone{ph("work", "+12065550114"), ph("cell", "+12065550115")}, []string{"ben.schwartz@wideworld.example.net"}},
	{"Mia", "Thompson", "Adventure Works", "Store Manager", []phone{ph("work", "(512) 555-0116")}, []string{"mia.thompson@adventureworks.example.com"}},
	{"Lucas", "Martin", "Adventure Works", "Regional Manager", []phone{ph("cell", "+15125550117")}, []string{"lucas.martin@adventureworks.example.com"}},
	{"Charlotte", "Davis", "Litware Inc.", "Customer Success Manager", []phone{ph("work", "+13035550118")}, []string{"charlotte.davis@litware.example.com"}},
	{"Henry", "Wilson", "Litware Inc.", "Support Engineer", []phone{ph("work", "(303) 555-0119"), ph("cell", "(720) 555-0120")}, []string{"henry.wilson@litware.example.com"}},
	{"Amelia", "Brown", "Proseware", "Office Manager", []phone{ph("work", "+14045550121")}, []string{"amelia.brown@proseware.example.org"}},
	{"Alexander", "Ivanov", "Proseware", "Software Architect", []phone{ph("cell", "404-555-0122")}, []string{"alexander.ivanov@proseware.example.org"}},
	{"Harper", "Lee", "Coho Winery", "Owner", []phone{ph("work", "(707) 555-0123"), ph("home", "+17075550124")}, []string{"harper@cohowinery.example.com"}},
	{"Daniel", "Müller", "Coho Winery", "Sommelier", []phone{ph("work", "+17075550125")}, []string{"daniel.muller@cohowinery.example.com"}},
	{"Evelyn", "Clark", "Blue Yonder Airlines", "Travel Coordinator", []phone{ph("work", "(214) 555-0126")}, []string{"evelyn.clark@blueyonder.example.com"}},
	{"Matthew", "Lewis", "Blue Yonder Airlines", "Fleet Manager", []phone{ph("work", "+12145550127"), ph("cell", "(469) 555-0128")}, []string{"matthew.lewis@blueyonder.example.com"}},
	{"Abigail", "Walker", "Margie's Travel", "Travel Agent", []phone{ph("work", "+13055550129")}, []string{"abigail@margiestravel.example.net"}},
	{"Samuel", "Hall", "Margie's Travel", "Founder", []phone{ph("cell", "(305) 555-0130")}, []string{"sam.hall@margiestravel.example.net", "samhall@example.com"}},
	{"Emily", "Young", "Trey Research", "Lab Director", []phone{ph("work", "(858) 555-0131")}, []string{"emily.young@treyresearch.example.org"}},
	{"David", "Hernández", "Trey Research", "Research Scientist", []phone{ph("work", "+18585550132")}, []string{"david.hernandez@treyresearch.example.org"}},
	{"Elizabeth", "King", "Alpine Ski House", "Marketing Manager", []phone{ph("work", "+13035550133")}, []string{"elizabeth.king@alpineskihouse.example.com"}},
	{"Joseph", "Wright", "Alpine Ski House", "Facilities Manager", []phone{ph("work", "(970) 555-0134"), ph("cell", "+19705550135")}, []string{"joseph.wright@alpineskihouse.example.com"}},
	{"Sofia", "Lopez", "Fourth Coffee", "Franchise Owner", []phone{ph("work", "+12065550136")}, []string{"sofia.lopez@fourthcoffee.example.com"}},
	{"Michael", "Scott", "Fourth Coffee", "Regional Sales", []phone{ph("cell", "(570) 555-0137")}, []string{"michael.scott@fourthcoffee.example.com"}},
	{"Avery", "Hill", "Graphic Design Institute", "Admissions Officer", []phone{ph("work", "(646) 555-0138")}, []string{"avery.hill@gdi.example.edu"}},
	{"Jackson", "Green", "Graphic Design Institute", "Dean", []phone{ph("work", "+16465550139")}, []string{"jackson.green@gdi.example.edu"}},
	{"Ella", "Adams", "Humongous Insurance", "Claims Adjuster", []phone{ph("work", "+16025550140"), ph("cell", "(480) 555-0141")}, []string{"ella.adams@humongous.example.com"}},
	{"Sebastian", "Baker", "Humongous Insurance", "Underwriter", []phone{ph("work", "(602) 555-0142")}, []string{"sebastian.baker@humongous.example.com"}},
	{"Scarlett", "Nelson", "Lucerne Publishing", "Editor", []phone{ph("work", "+12125550143")}, []string{"scarlett.nelson@lucernepublishing.example.com"}},
	{"Aiden", "Chen", "Lucerne Publishing", "Rights Manager", []phone{ph("work", "(212) 555-0144"), ph("cell", "+19175550145")}, []string{"aiden.chen@lucernepublishing.example.com"}},
	{"Grace", "Mitchell", "Woodgrove Bank", "Relationship Manager", []phone{ph("work", "+17045550146")}, []string{"grace.mitchell@woodgrovebank.example.com"}},
	{"Owen", "Perez", "Woodgrove Bank", "Branch Manager", []phone{ph("work", "(704) 555-0147")}, []string{"owen.perez@woodgrovebank.example.com"}},
	{"Chloe", "Roberts", "City Power & Light", "Field Supervisor", []phone{ph("cell", "+15035550148")}, []string{"chloe.roberts@cpandl.example.com"}},
	{"Wyatt", "Turner", "City Power & Light", "Energy Analyst", []phone{ph("work", "(503) 555-0149")}, nil},
	{"Zoe", "Phillips", "School of Fine Art", "Curator", []phone{ph("work", "+16125550150")}, []string{"zoe.phillips@fineart.example.edu"}},
	{"Ryan", "Campbell", "", "Independent Consultant", []phone{ph("cell", "(612) 555-0151"), ph("home", "612-555-0152")}, []string{"ryan.campbell@example.net"}},
	{"Nora", "Parker", "Relecloud", "Solutions Engineer", []phone{ph("work", "+14255550153")}, []string{"nora.parker@relecloud.example.com"}},
	{"Leo", "Evans", "Relecloud", "Head of Procurement", []phone{ph("work", "(425) 555-0154"), ph("cell", "+14255550155")}, []string{"leo.evans@relecloud.example.com"}},
}

// vcardTypes maps our phone kinds to vCard 3.0 TEL types (RFC 2426 §3.3.1). One type
// each: go-vcard hands a "WORK,VOICE" value to readers as one string, not two types.
var vcardTypes = map[string]string{"work": "WORK", "cell": "CELL", "home": "HOME"}

// uid is the stable id of sample i; it is also the card's file name.
func (s sample) uid(i int) string {
	return fmt.Sprintf("demo-%02d-%s", i+1, strings.ToLower(asciiOnly(s.family)))
}

// card renders the sample as a vCard 3.0, the version every CardDAV client reads.
func (s sample) card(i int) vcard.Card {
	c := vcard.Card{}
	c.SetValue(vcard.FieldVersion, "3.0")
	c.SetValue(vcard.FieldUID, s.uid(i))
	c.SetValue(vcard.FieldFormattedName, s.given+" "+s.family)
	c.SetName(&vcard.Name{GivenName: s.given, FamilyName: s.family})
	if s.org != "" {
		c.SetValue(vcard.FieldOrganization, s.org)
	}
	if s.title != "" {
		c.SetValue(vcard.FieldTitle, s.title)
	}
	for _, p := range s.phones {
		c.Add(vcard.FieldTelephone, &vcard.Field{Value: p.number, Params: vcard.Params{vcard.ParamType: {vcardTypes[p.kind]}}})
	}
	for _, e := range s.emails {
		c.Add(vcard.FieldEmail, &vcard.Field{Value: e, Params: vcard.Params{vcard.ParamType: {"INTERNET"}}})
	}
	return c
}

// asciiOnly keeps ASCII letters, for file names built from names such as "Müller".
func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
