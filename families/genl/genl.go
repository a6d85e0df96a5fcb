package genl

import "github.com/nlstruct/nlstruct/socket"

// Header is struct genlmsghdr, the fixed header of every generic netlink
// message, before the family's attributes.
type Header struct {
	Command uint8
	Version uint8
	_       uint16
}

// HeaderLen is GENL_HDRLEN.
const HeaderLen = 4

// Constants of <linux/genetlink.h>.
const (
	// IDCtrl is GENL_ID_CTRL, the controller's fixed family id.
	IDCtrl uint16 = 0x10

	// Operation flags (Op.Flags).
	AdminPerm    = 0x01 // GENL_ADMIN_PERM
	CmdCapDo     = 0x02 // GENL_CMD_CAP_DO
	CmdCapDump   = 0x04 // GENL_CMD_CAP_DUMP
	CmdCapHasPol = 0x08 // GENL_CMD_CAP_HASPOL
	UnsAdminPerm = 0x10 // GENL_UNS_ADMIN_PERM
)

// Controller commands (CTRL_CMD_*).
const (
	CtrlCmdNewFamily   = 1
	CtrlCmdDelFamily   = 2
	CtrlCmdGetFamily   = 3
	CtrlCmdNewOps      = 4
	CtrlCmdDelOps      = 5
	CtrlCmdGetOps      = 6
	CtrlCmdNewMcastGrp = 7
	CtrlCmdDelMcastGrp = 8
	CtrlCmdGetPolicy   = 10
)

// Family is a generic netlink family as the controller describes it
// (CTRL_CMD_NEWFAMILY, the reply to CTRL_CMD_GETFAMILY).
type Family struct {
	ID         uint16           `nl:"type=1" json:"id"`                  // CTRL_ATTR_FAMILY_ID
	Name       string           `nl:"type=2" json:"name"`                // CTRL_ATTR_FAMILY_NAME
	Version    uint32           `nl:"type=3" json:"version"`             // CTRL_ATTR_VERSION
	HeaderSize uint32           `nl:"type=4" json:"header_size"`         // CTRL_ATTR_HDRSIZE: the family's own header after genlmsghdr
	MaxAttr    uint32           `nl:"type=5" json:"max_attr"`            // CTRL_ATTR_MAXATTR
	Ops        []Op             `nl:"type=6,array,nested" json:"ops"`    // CTRL_ATTR_OPS
	Groups     []MulticastGroup `nl:"type=7,array,nested" json:"groups"` // CTRL_ATTR_MCAST_GROUPS
}

// Op is one operation (command) of a family (CTRL_ATTR_OP_*).
type Op struct {
	ID    uint32 `nl:"type=1" json:"id"`    // CTRL_ATTR_OP_ID: the command number
	Flags uint32 `nl:"type=2" json:"flags"` // CTRL_ATTR_OP_FLAGS: AdminPerm, CmdCapDo, ...
}

// MulticastGroup is one multicast group of a family
// (CTRL_ATTR_MCAST_GRP_*).
type MulticastGroup struct {
	Name string `nl:"type=1" json:"name"` // CTRL_ATTR_MCAST_GRP_NAME
	ID   uint32 `nl:"type=2" json:"id"`   // CTRL_ATTR_MCAST_GRP_ID
}

// Group returns the id of the named multicast group.
func (f *Family) Group(name string) (uint32, bool) {
	for _, g := range f.Groups {
		if g.Name == name {
			return g.ID, true
		}
	}
	return 0, false
}

// familyRequest is the body of CTRL_CMD_GETFAMILY. Family names have at
// most GENL_NAMSIZ-1 bytes.
type familyRequest struct {
	ID   uint16 `nl:"type=1,omitempty"`           // CTRL_ATTR_FAMILY_ID
	Name string `nl:"type=2,omitempty,maxlen=15"` // CTRL_ATTR_FAMILY_NAME
}

// policyRequest is the body of CTRL_CMD_GETPOLICY.
type policyRequest struct {
	ID   uint16  `nl:"type=1,omitempty"`           // CTRL_ATTR_FAMILY_ID
	Name string  `nl:"type=2,omitempty,maxlen=15"` // CTRL_ATTR_FAMILY_NAME
	Op   *uint32 `nl:"type=10"`                    // CTRL_ATTR_OP
}

// maxNameLen is GENL_NAMSIZ-1.
const maxNameLen = 15

// policyReply is one message of a CTRL_CMD_GETPOLICY dump: either part of
// the policies (by index, then attribute type) or an operation's policy
// indexes.
type policyReply struct {
	ID       uint16                                  `nl:"type=1"`        // CTRL_ATTR_FAMILY_ID
	Policy   map[uint32]map[uint32]socket.AttrPolicy `nl:"type=8,nested"` // CTRL_ATTR_POLICY
	OpPolicy map[uint32]OpPolicy                     `nl:"type=9,nested"` // CTRL_ATTR_OP_POLICY
}

// OpPolicy gives the policies (as indexes into Policy.Policies) that an
// operation's do and dump requests are validated against
// (CTRL_ATTR_POLICY_DO, CTRL_ATTR_POLICY_DUMP).
type OpPolicy struct {
	Do   *uint32 `nl:"type=1" json:"do,omitempty"`
	Dump *uint32 `nl:"type=2" json:"dump,omitempty"`
}

// Policy is a family's attribute policies as the kernel dumps them
// (CTRL_CMD_GETPOLICY).
type Policy struct {
	FamilyID uint16 `json:"family_id"`
	// Policies maps a policy index to its attributes' policies by
	// attribute type. Index 0 is the family's top-level policy, unless
	// the operations use their own; nested attributes point at other
	// indexes through AttrPolicy.PolicyIndex.
	Policies map[uint32]map[uint32]socket.AttrPolicy `json:"policies"`
	// Ops maps a command to its policy indexes.
	Ops map[uint32]OpPolicy `json:"ops"`
}

// ForOp returns the attribute policies that command cmd's do (or dump)
// requests are validated against.
func (p *Policy) ForOp(cmd uint32, dump bool) (map[uint32]socket.AttrPolicy, bool) {
	op, ok := p.Ops[cmd]
	if !ok {
		if len(p.Ops) == 0 {
			// Families with one policy for every operation report no
			// per-operation indexes.
			pol, ok := p.Policies[0]
			return pol, ok
		}
		return nil, false
	}
	idx := op.Do
	if dump {
		idx = op.Dump
	}
	if idx == nil {
		return nil, false
	}
	pol, ok := p.Policies[*idx]
	return pol, ok
}
