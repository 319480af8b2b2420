//! What a virtual router sends: its advertisements, to each destination, signed or sealed as its
//! authentication says.

use super::{VirtualRouter, auth};
use crate::packet::{Advertisement, ChecksumForm};
use crate::{Action, Priority, Transmit};

impl VirtualRouter {
    /// The VRRPv3 IPv4 checksum form its adverts go in: the configured one, or keepalived's old
    /// unicast form once a peer's advert came in it and the configuration says to learn it
    /// ([`ChecksumAcceptance::LearnLegacyUnicast`](crate::packet::ChecksumAcceptance)).
    pub fn checksum_form(&self) -> ChecksumForm {
        if self.learned_legacy_checksum {
            ChecksumForm::LegacyUnicast
        } else {
            self.config.checksum_form
        }
    }

    pub(super) fn send_advert(&mut self, priority: Priority) {
        let mut v3 = self.config.advertisement(priority);
        v3.checksum_form = self.checksum_form();
        let v2_copy = self.config.v2_interop_advertisement(priority);
        for advert in std::iter::once(v3).chain(v2_copy) {
            self.send(&advert);
        }
    }

    pub(super) fn send(&mut self, advert: &Advertisement) {
        let config = &self.config;
        let mut signer = auth::Signer::new(config, self.hmac.as_deref_mut(), self.latest);
        for &destination in config.destinations() {
            // `Config::build` proved this configuration's advertisements emit, so this cannot fail.
            if signer
                .emit(advert, config.primary_address, destination, &mut self.tx)
                .is_err()
            {
                return;
            }
            self.actions.push(Action::Send(Transmit {
                interface_index: config.interface_index,
                source: config.primary_address,
                destination,
                hop_limit: config.hop_limit_to(destination),
                payload: self.tx.split().freeze(),
                ipsec_ah: signer.is_ipsec_ah(),
            }));
        }
        self.stats.sent_advertisements += 1;
        if advert.priority == Priority::SHUTDOWN {
            self.stats.sent_pri_zero_packets += 1;
        }
    }
}
