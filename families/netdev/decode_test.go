package netdev_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nlstruct/nlstruct/families/genl"
	"github.com/nlstruct/nlstruct/families/netdev"
	"github.com/nlstruct/nlstruct/marshal"
)

// TestDecodeCaptured decodes the replies that TestCapture recorded from a
// real kernel (testdata/*.hex), checks their fields, re-encodes them
// (which must give the kernel's bytes back) and decodes again (which must
// give the same value).
func TestDecodeCaptured(t *testing.T) {
	// veth: XDP_BASIC|XDP_REDIRECT|XDP_RX_SG, and every rx metadata
	// feature (veth_xdp_metadata_ops).
	veth := func(idx uint32) netdev.Device {
		return netdev.Device{Ifindex: idx,
			XDPFeatures:           netdev.XDPActBasic | netdev.XDPActRedirect | netdev.XDPActRxSG,
			XDPRxMetadataFeatures: netdev.XDPRxMetadataTimestamp | netdev.XDPRxMetadataHash | netdev.XDPRxMetadataVLANTag,
		}
	}
	tests := []struct {
		file string
		want []netdev.Device
	}{
		{"dev-veth0.hex", []netdev.Device{veth(3)}},
		{"dev-dump.hex", []netdev.Device{{Ifindex: 1}, veth(2), veth(3), {Ifindex: 4}}},
		// virtio_net: XDP_BASIC|REDIRECT|XSK_ZEROCOPY|RX_SG,
		// and then NETDEV_A_DEV_XDP_ZC_MAX_SEGS (sent last).
		{"dev-zerocopy.hex", []netdev.Device{{Ifindex: 4,
			XDPFeatures:  netdev.XDPActBasic | netdev.XDPActRedirect | netdev.XDPActXSKZerocopy | netdev.XDPActRxSG,
			XDPZCMaxSegs: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			msgs := readCapture(t, tt.file)
			if len(msgs) != len(tt.want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(tt.want))
			}
			for i, m := range msgs {
				var gh genl.Header
				if err := marshal.Unmarshal(m[:genl.HeaderLen], &gh); err != nil {
					t.Fatal(err)
				}
				if gh.Command != netdev.CmdDevGet || gh.Version != netdev.Version {
					t.Errorf("message %d: genlmsghdr %+v, want command %d version %d", i, gh, netdev.CmdDevGet, netdev.Version)
				}
				attrs := m[genl.HeaderLen:]
				var got netdev.Device
				if err := marshal.Unmarshal(attrs, &got); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if d := cmp.Diff(tt.want[i], got); d != "" {
					t.Errorf("message %d: decoded value (-want +got):\n%s", i, d)
				}
				b, err := marshal.Marshal(&got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, attrs) {
					t.Errorf("message %d: re-encoded\n%x\nkernel sent\n%x", i, b, attrs)
				}
				var again netdev.Device
				if err := marshal.Unmarshal(b, &again); err != nil {
					t.Fatal(err)
				}
				if again != got {
					t.Errorf("message %d: decode→encode→decode gave %+v, first %+v", i, again, got)
				}
			}
		})
	}
}
