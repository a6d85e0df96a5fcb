package bench

import "net"

// The sample values. Every field is non-zero, so a codec that drops or
// misplaces any attribute fails TestCodecsAgree instead of decoding a zero
// that happens to match.

// NewService returns a persistent IPv6 TCP service with live counters.
func NewService() Service {
	return Service{
		AF:        10,                                                                      // AF_INET6
		Protocol:  6,                                                                       // IPPROTO_TCP
		Addr:      [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, // 2001:db8::10
		Port:      443,
		FWMark:    42,
		SchedName: "wlc",
		Flags:     ServiceFlags{Flags: 0x1 | 0x2, Mask: 0xffffffff}, // IP_VS_SVC_F_PERSISTENT|IP_VS_SVC_F_HASHED
		Timeout:   300,
		Netmask:   128,
		Stats: Stats{
			Conns:    18342,
			InPkts:   9283741,
			OutPkts:  8734219,
			InBytes:  1234567890,
			OutBytes: 98765432109,
			CPS:      12,
			InPPS:    340,
			OutPPS:   310,
			InBPS:    45123,
			OutBPS:   402311,
		},
		PEName: "sip",
		Stats64: Stats64{
			Conns:    18342,
			InPkts:   9283741,
			OutPkts:  8734219,
			InBytes:  1234567890,
			OutBytes: 98765432109,
			CPS:      12,
			InPPS:    340,
			OutPPS:   310,
			InBPS:    45123,
			OutBPS:   402311,
		},
	}
}

// NewLink returns what `ip link show eth0.100` reads for an up VLAN device.
func NewLink() Link {
	return Link{
		Header: IfInfomsg{
			Family: 0, // AF_UNSPEC, as the kernel sends it
			Type:   1, // ARPHRD_ETHER
			Index:  7,
			Flags:  0x11043, // IFF_UP|IFF_BROADCAST|IFF_RUNNING|IFF_MULTICAST|IFF_LOWER_UP
			Change: 0xffffffff,
		},
		Name:           "eth0.100",
		TxQLen:         1000,
		OperState:      6, // IF_OPER_UP
		LinkMode:       1, // IF_LINK_MODE_DORMANT
		MTU:            1500,
		MinMTU:         68,
		MaxMTU:         65535,
		Group:          3,
		Promiscuity:    1,
		NumTxQueues:    1,
		GSOMaxSegs:     65535,
		GSOMaxSize:     65536,
		NumRxQueues:    1,
		Carrier:        1,
		Qdisc:          "noqueue",
		CarrierChanges: 2,
		ProtoDown:      1,
		Map: LinkIfmap{
			MemStart: 0xfe000000,
			MemEnd:   0xfe0fffff,
			BaseAddr: 0xe000,
			IRQ:      11,
			DMA:      3,
			Port:     1,
		},
		Address:   net.HardwareAddr{0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
		Broadcast: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		Stats64: LinkStats64{
			RxPackets:          18273645,
			TxPackets:          9182736,
			RxBytes:            23847561928,
			TxBytes:            1928374655,
			RxErrors:           3,
			TxErrors:           1,
			RxDropped:          1042,
			TxDropped:          7,
			Multicast:          88231,
			Collisions:         2,
			RxLengthErrors:     4,
			RxOverErrors:       5,
			RxCRCErrors:        6,
			RxFrameErrors:      8,
			RxFIFOErrors:       9,
			RxMissedErrors:     10,
			TxAbortedErrors:    11,
			TxCarrierErrors:    12,
			TxFIFOErrors:       13,
			TxHeartbeatErrors:  14,
			TxWindowErrors:     15,
			RxCompressed:       16,
			TxCompressed:       17,
			RxNoHandler:        212,
			RxOtherhostDropped: 19,
		},
		LinkInfo: LinkInfo{
			Kind: "vlan",
			Data: &VlanData{ID: 100, Protocol: 0x8100}, // ETH_P_8021Q
		},
		AfSpec: AfSpec{
			Inet6: Inet6{
				Flags:       0x80000000, // IF_READY
				AddrGenMode: 3,          // IN6_ADDR_GEN_MODE_RANDOM
			},
		},
	}
}
