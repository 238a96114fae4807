//! The member channel's end-to-end encryption: what the manager's app and the member's page say to
//! each other (topics before a 1on1, the summary after it) through the company server, which
//! relays ciphertext it cannot read.
//!
//! A standard construction, never a hand-made one: HPKE (RFC 9180) in base mode with
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM — the suite the member's browser has
//! through WebCrypto and `@hpke/core` — from the `hpke` crate, checked here against the RFC's test
//! vectors. Each message is sealed to the recipient's public key on its own (single-shot), with
//! the message's place as associated data: its pair, its direction and its sequence number. A
//! message moved to another pair, turned around, or given another number does not open; one
//! replayed or out of order is refused by the receiving side's [`Inbox`]. Every plaintext is
//! padded to one of a few sizes ([`SIZES`]), so the relay learns a size bucket, never a length.
//! The safety code both screens show at pairing ([`safety_code`]) is derived from both public
//! keys: a server that puts its own key in place of either shows different codes.

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};

type Kem = X25519HkdfSha256;

/// The HPKE `info` of every message: the channel and its version.
pub const INFO: &[u8] = b"taiwa member channel v1";

/// The plaintext sizes a message is padded to, in bytes; a longer one is refused.
pub const SIZES: [usize; 4] = [256, 1024, 4096, 16384];

/// Bytes AES-128-GCM adds to a padded plaintext.
pub const TAG_BYTES: usize = 16;

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the manager's app to the member's page (a summary, a topic taken).
    ToMember,
    /// From the member's page to the manager's app (a topic, a request, an item done).
    ToManager,
}

/// Where a message belongs: its pair (the manager's and the member's employee ids), its direction
/// and its sequence number in that direction, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    pub manager: &'a str,
    pub member: &'a str,
    pub direction: Direction,
    pub seq: u64,
}

impl Binding<'_> {
    /// The associated data: a label, each id with its length, the direction, the number.
    fn aad(&self) -> Vec<u8> {
        let mut out = b"taiwa/v1".to_vec();
        for id in [self.manager, self.member] {
            out.extend_from_slice(&u32::try_from(id.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out.push(match self.direction {
            Direction::ToMember => 1,
            Direction::ToManager => 2,
        });
        out.extend_from_slice(&self.seq.to_be_bytes());
        out
    }
}

/// What can go wrong on the channel, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("the message is {len} bytes; at most {limit} can be sent")]
    TooLong { len: usize, limit: usize },
    #[error("the message was changed, or does not belong to this pair, direction or place: it was not opened")]
    Tampered,
    #[error("the key is not a usable X25519 public key")]
    BadKey,
    #[error("message {seq} was already received (a replay): it was not taken again")]
    Replayed { seq: u64 },
    #[error("message {got} arrived while {expected} was expected: one is missing or out of order")]
    OutOfOrder { expected: u64, got: u64 },
}

/// A public key, as both sides exchange and show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub [u8; 32]);

/// A private key: never printed, wiped when dropped.
pub struct SecretKey(zeroize::Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// The key as bytes, to be kept encrypted (the manager's vault).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        SecretKey(zeroize::Zeroizing::new(bytes))
    }
}

/// A new key pair from the operating system's randomness.
pub fn generate() -> (SecretKey, PublicKey) {
    let (sk, pk) = Kem::gen_keypair(&mut rand_core::UnwrapErr(rand_core::OsRng));
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&sk.to_bytes());
    let mut public = [0u8; 32];
    public.copy_from_slice(&pk.to_bytes());
    (SecretKey::from_bytes(secret), PublicKey(public))
}

/// A sealed message: the sender's encapsulated key and the ciphertext of the padded plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub enc: [u8; 32],
    pub ciphertext: Vec<u8>,
}

/// Pads `plaintext` to the smallest of [`SIZES`] that holds it and its end mark: the plaintext,
/// a 0x80 byte, then zeros (ISO/IEC 7816-4 padding).
pub fn pad(plaintext: &[u8]) -> Result<Vec<u8>, ChannelError> {
    let limit = SIZES[SIZES.len() - 1] - 1;
    let size = SIZES
        .iter()
        .copied()
        .find(|s| plaintext.len() < *s)
        .ok_or(ChannelError::TooLong {
            len: plaintext.len(),
            limit,
        })?;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(plaintext);
    out.push(0x80);
    out.resize(size, 0);
    Ok(out)
}

/// The plaintext of a padded message, or `Tampered` when the padding is not as `pad` writes it.
pub fn unpad(padded: &[u8]) -> Result<Vec<u8>, ChannelError> {
    if !SIZES.contains(&padded.len()) {
        return Err(ChannelError::Tampered);
    }
    let end = padded.iter().rposition(|b| *b != 0).ok_or(ChannelError::Tampered)?;
    if padded[end] != 0x80 {
        return Err(ChannelError::Tampered);
    }
    Ok(padded[..end].to_vec())
}

/// Seals `plaintext` to `to` for its place `binding`.
pub fn seal(to: &PublicKey, binding: &Binding<'_>, plaintext: &[u8]) -> Result<Sealed, ChannelError> {
    let recipient = <Kem as hpke::Kem>::PublicKey::from_bytes(&to.0).map_err(|_| ChannelError::BadKey)?;
    let padded = pad(plaintext)?;
    let (enc, mut ctx) = hpke::setup_sender::<AesGcm128, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &recipient,
        INFO,
        &mut rand_core::UnwrapErr(rand_core::OsRng),
    )
    .map_err(|_| ChannelError::BadKey)?;
    let ciphertext = ctx.seal(&padded, &binding.aad()).map_err(|_| ChannelError::TooLong {
        len: plaintext.len(),
        limit: SIZES[SIZES.len() - 1] - 1,
    })?;
    let mut encapped = [0u8; 32];
    encapped.copy_from_slice(&enc.to_bytes());
    Ok(Sealed {
        enc: encapped,
        ciphertext,
    })
}

/// Opens a message sealed to `key` for its place `binding`; anything changed, or a message of
/// another pair, direction or number, is `Tampered`.
pub fn open(key: &SecretKey, binding: &Binding<'_>, sealed: &Sealed) -> Result<Vec<u8>, ChannelError> {
    if !SIZES.iter().any(|s| s + TAG_BYTES == sealed.ciphertext.len()) {
        return Err(ChannelError::Tampered);
    }
    let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(key.expose()).map_err(|_| ChannelError::BadKey)?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&sealed.enc).map_err(|_| ChannelError::Tampered)?;
    let mut ctx = hpke::setup_receiver::<AesGcm128, HkdfSha256, Kem>(&OpModeR::Base, &secret, &enc, INFO)
        .map_err(|_| ChannelError::Tampered)?;
    let padded = ctx
        .open(&sealed.ciphertext, &binding.aad())
        .map_err(|_| ChannelError::Tampered)?;
    unpad(&padded)
}

/// The short code both screens show at pairing, from both public keys: 16 digits in four groups
/// (`1234 5678 9012 3456`). Equal on both screens only when each side holds the other's real key.
pub fn safety_code(manager: &PublicKey, member: &PublicKey) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"taiwa safety code v1");
    ctx.update(&manager.0);
    ctx.update(&member.0);
    let digest = ctx.finish();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    let digits = format!("{:016}", u64::from_be_bytes(first) % 10_000_000_000_000_000);
    digits
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The receiving side of one direction of one pair: the next sequence number it takes. A message
/// is taken only in order: an earlier number is a replay, a later one means one is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inbox {
    pub next: u64,
}

impl Inbox {
    /// Checks `seq` before its message is opened; `take` moves on once it has been.
    pub fn check(&self, seq: u64) -> Result<(), ChannelError> {
        match seq {
            s if s < self.next => Err(ChannelError::Replayed { seq }),
            s if s > self.next => Err(ChannelError::OutOfOrder {
                expected: self.next,
                got: seq,
            }),
            _ => Ok(()),
        }
    }

    /// Marks `seq` received.
    pub fn take(&mut self, seq: u64) -> Result<(), ChannelError> {
        self.check(seq)?;
        self.next += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9180, Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
    /// The suite this channel uses, opened with the RFC's own keys, encapsulation and ciphertexts.
    #[test]
    fn the_suite_matches_rfc_9180_appendix_a_1_1() {
        let (sk, pk) = Kem::derive_keypair(&hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037"));
        assert_eq!(
            pk.to_bytes().to_vec(),
            hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d")
        );
        assert_eq!(
            sk.to_bytes().to_vec(),
            hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
        );
        let (_, pk_e) = Kem::derive_keypair(&hex("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234"));
        let enc_bytes = hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
        assert_eq!(
            pk_e.to_bytes().to_vec(),
            enc_bytes,
            "the ephemeral key is the encapsulation"
        );
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc_bytes).unwrap();
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let mut ctx = hpke::setup_receiver::<AesGcm128, HkdfSha256, Kem>(&OpModeR::Base, &sk, &enc, &info).unwrap();
        let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
        for (aad, ct) in [
            (
                "436f756e742d30",
                "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
            ),
            (
                "436f756e742d31",
                "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84",
            ),
            (
                "436f756e742d32",
                "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180",
            ),
        ] {
            assert_eq!(ctx.open(&hex(ct), &hex(aad)).unwrap(), pt, "sequence {aad}");
        }
        let mut exported = [0u8; 32];
        ctx.export(b"", &mut exported).unwrap();
        assert_eq!(
            exported.to_vec(),
            hex("3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee")
        );
    }

    fn binding(seq: u64) -> Binding<'static> {
        Binding {
            manager: "E02",
            member: "E04",
            direction: Direction::ToManager,
            seq,
        }
    }

    #[test]
    fn a_message_opens_only_in_its_own_place_and_unchanged() {
        let (sk, pk) = generate();
        let topic = "評価面談の前に、来期の目標について相談したいです。".as_bytes();
        let sealed = seal(&pk, &binding(3), topic).unwrap();
        assert_eq!(open(&sk, &binding(3), &sealed).unwrap(), topic);
        let elsewhere = [
            Binding {
                member: "E05",
                ..binding(3)
            },
            Binding {
                manager: "E03",
                ..binding(3)
            },
            Binding {
                direction: Direction::ToMember,
                ..binding(3)
            },
            binding(4),
        ];
        for place in elsewhere {
            assert_eq!(open(&sk, &place, &sealed), Err(ChannelError::Tampered), "{place:?}");
        }
        let mut changed = sealed.clone();
        changed.ciphertext[10] ^= 1;
        assert_eq!(open(&sk, &binding(3), &changed), Err(ChannelError::Tampered));
        let mut cut = sealed.clone();
        cut.ciphertext.truncate(100);
        assert_eq!(open(&sk, &binding(3), &cut), Err(ChannelError::Tampered));
        let (other, _) = generate();
        assert_eq!(
            open(&other, &binding(3), &sealed),
            Err(ChannelError::Tampered),
            "another key"
        );
        assert_eq!(format!("{sk:?}"), "SecretKey(…)", "a key is never printed");
    }

    #[test]
    fn the_relay_sees_one_of_four_sizes_never_a_length() {
        let (_, pk) = generate();
        for (len, size) in [
            (0, 256),
            (255, 256),
            (256, 1024),
            (1000, 1024),
            (4095, 4096),
            (16383, 16384),
        ] {
            let sealed = seal(&pk, &binding(0), &vec![b'a'; len]).unwrap();
            assert_eq!(sealed.ciphertext.len(), size + TAG_BYTES, "{len} bytes");
        }
        assert_eq!(
            seal(&pk, &binding(0), &vec![b'a'; 16384]),
            Err(ChannelError::TooLong {
                len: 16384,
                limit: 16383
            })
        );
    }

    #[test]
    fn replays_and_gaps_are_refused_in_order_messages_taken() {
        let mut inbox = Inbox::default();
        inbox.take(0).unwrap();
        inbox.take(1).unwrap();
        assert_eq!(inbox.take(1), Err(ChannelError::Replayed { seq: 1 }));
        assert_eq!(inbox.take(0), Err(ChannelError::Replayed { seq: 0 }));
        assert_eq!(inbox.take(3), Err(ChannelError::OutOfOrder { expected: 2, got: 3 }));
        inbox.take(2).unwrap();
        assert_eq!(inbox.next, 3);
    }

    #[test]
    fn a_swapped_key_shows_a_different_safety_code() {
        let (_, manager) = generate();
        let (_, member) = generate();
        let (_, server) = generate();
        let code = safety_code(&manager, &member);
        assert_eq!(code.len(), 19);
        assert!(
            code.split(' ')
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())),
            "{code}"
        );
        assert_eq!(code, safety_code(&manager, &member), "the same on both screens");
        // A server that hands the member its own key instead of the manager's (or the reverse).
        assert_ne!(code, safety_code(&server, &member));
        assert_ne!(code, safety_code(&manager, &server));
        assert_ne!(code, safety_code(&member, &manager), "the order is fixed");
    }

    proptest! {
        #[test]
        fn padding_round_trips_and_never_leaks_a_length(text in prop::collection::vec(any::<u8>(), 0..5000)) {
            let padded = pad(&text).unwrap();
            prop_assert!(SIZES.contains(&padded.len()));
            prop_assert_eq!(unpad(&padded).unwrap(), text);
        }
    }
}
