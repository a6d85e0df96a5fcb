package bench

import "github.com/nlstruct/nlstruct/marshal"

// nlstruct: the tagged types in types.go, encoded and decoded by package
// marshal's cached reflection plans. No codec is written by hand.

func init() {
	marshal.RegisterVariant[LinkData]("vlan", &VlanData{})
}

// NlstructAppendService appends the attributes of s to b.
func NlstructAppendService(b []byte, s *Service) ([]byte, error) { return marshal.Append(b, s) }

// NlstructDecodeService decodes the attributes in b into s.
func NlstructDecodeService(b []byte, s *Service) error { return marshal.Unmarshal(b, s) }

// NlstructAppendLink appends struct ifinfomsg and the attributes of l to b.
func NlstructAppendLink(b []byte, l *Link) ([]byte, error) { return marshal.Append(b, l) }

// NlstructDecodeLink decodes struct ifinfomsg and the attributes in b into l.
func NlstructDecodeLink(b []byte, l *Link) error { return marshal.Unmarshal(b, l) }
