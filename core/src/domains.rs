//! Verified domains ([rules](crate::rules#verified-domains)): an organization
//! proves it owns a domain by publishing a DNS TXT record, and only then do
//! people on that domain join without an invitation. InviteKit does no
//! network I/O: the host resolves the record and hands in the TXT strings
//! it found.
//!
//! Free mail domains (gmail.com, outlook.com, ...) belong to nobody's
//! company, so they can never be auto-join domains, verified or not.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::InviteKit;
use crate::email::{domain_matches, normalize_domain};
use crate::error::{Error, Result, quote};
use crate::events::{EventKind, record};
use crate::ids::{MemberId, OrgId};
use crate::input;
pub use crate::model::DomainVerification;
use crate::model::Organization;
use crate::store::{ReadTx, Store};

/// The label the TXT record is published under: `_invitekit-challenge.<domain>`.
pub const CHALLENGE_LABEL: &str = "_invitekit-challenge";
/// What every challenge value starts with: `invitekit-verification=<random>`.
pub const CHALLENGE_PREFIX: &str = "invitekit-verification=";
/// The most TXT strings [`verify_domain`](InviteKit::verify_domain) reads.
pub const MAX_TXT_VALUES: usize = 64;
/// The longest TXT string it reads, in bytes (a record of several 255-byte
/// strings, joined).
pub const MAX_TXT_BYTES: usize = 4096;

/// Free mail domains: addresses anyone can get, so no organization can own
/// them. Neither they nor their subdomains can be verified or be auto-join
/// domains.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "163.com",
    "126.com",
    "aol.com",
    "fastmail.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hey.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "icloud.com",
    "live.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "mac.com",
    "msn.com",
    "naver.com",
    "outlook.com",
    "outlook.fr",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "tutanota.com",
    "web.de",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
];

/// Whether `domain` (ASCII, normalized) is a free mail domain or one of its subdomains.
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL_DOMAINS.iter().any(|free| domain_matches(domain, free, true))
}

/// `domain` normalized, refused when it is a free mail domain.
pub(crate) fn ownable_domain(field: &str, domain: &str) -> Result<String> {
    let d = normalize_domain(domain)?;
    if is_free_mail(&d) {
        return Err(Error::invalid(format!(
            "`{field}`: `{d}` is a free mail domain, which no organization owns (docs/rules.md#verified-domains)"
        )));
    }
    Ok(d)
}

/// A new challenge value: the prefix and 24 random bytes, base64url.
fn challenge() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Storage(format!("the operating system's random source failed: {e}")))?;
    let mut s = String::from(CHALLENGE_PREFIX);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut s);
    Ok(s)
}

/// Whether `org` may let `email_domain` join: it matches one of its
/// auto-join domains (as a subdomain too when the settings allow
/// subdomains) that the organization has verified.
pub(crate) fn joins_on_verified_domain(tx: &dyn ReadTx, org: &Organization, email_domain: &str) -> Result<bool> {
    let matching: Vec<&String> = org
        .settings
        .auto_join_domains
        .iter()
        .filter(|d| domain_matches(email_domain, d, org.settings.allow_subdomains))
        .collect();
    if matching.is_empty() {
        return Ok(false);
    }
    let verified = tx.domain_verifications(org.id)?;
    Ok(matching.iter().any(|d| verified.iter().any(|v| v.is_verified() && v.domain == **d)))
}

impl<S: Store> InviteKit<S> {
    /// Starts verifying that organization `org_id` owns `domain`: returns the
    /// DNS TXT record to publish (`record_name`, `record_value`). Only a
    /// member whose role manages the organization may. Asking again for a
    /// domain being verified, or verified, returns its record unchanged. A
    /// free mail domain is `invalid_input`.
    ///
    /// # Examples
    /// ```
    /// # use invitekit::*;
    /// let kit = InviteKit::in_memory();
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"])?;
    /// let alice = kit.add_member(org.id, "alice@acme.com", "Alice", "full")?;
    /// let record = kit.start_domain_verification(alice.id, org.id, "acme.com")?;
    /// assert_eq!(record.record_name, "_invitekit-challenge.acme.com");
    /// // The host publishes the record, resolves it, and hands in what it found.
    /// let found = kit.verify_domain(alice.id, org.id, "acme.com", &[record.record_value.as_str()])?;
    /// assert!(found.is_verified());
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn start_domain_verification(
        &self,
        actor: MemberId,
        org_id: OrgId,
        domain: &str,
    ) -> Result<DomainVerification> {
        let domain = ownable_domain("domain", domain)?;
        let now = self.now();
        let value = challenge()?;
        self.store.write(|tx| {
            let admin = self.admin_of(&*tx, actor, org_id)?;
            if let Some(existing) = tx.domain_verifications(org_id)?.into_iter().find(|v| v.domain == domain) {
                return Ok(existing);
            }
            let v = DomainVerification {
                org_id,
                record_name: format!("{CHALLENGE_LABEL}.{domain}"),
                domain: domain.clone(),
                record_value: value.clone(),
                created_at: now,
                verified_at: None,
            };
            tx.put_domain_verification(&v)?;
            record(
                tx,
                org_id,
                now,
                Some(admin.id),
                EventKind::DomainVerificationStarted,
                json!({"domain": v.domain, "record_name": v.record_name}),
            )?;
            Ok(v)
        })
    }

    /// Checks the TXT strings the host's resolver found at the record's name
    /// against the organization's challenge for `domain`, and marks the domain
    /// verified when one of them is it (surrounding whitespace and quotes
    /// aside). Only a member whose role manages the organization may. A
    /// domain whose verification was not started is `not_found`; strings
    /// that hold no match (another domain's or another organization's
    /// challenge among them) are `permission_denied`, and nothing changes.
    /// At most 64 strings of at most 4,096 bytes each, without NUL, else `invalid_input`.
    /// Verifying a verified domain again returns it unchanged.
    pub fn verify_domain<T: AsRef<str>>(
        &self,
        actor: MemberId,
        org_id: OrgId,
        domain: &str,
        txt_values: &[T],
    ) -> Result<DomainVerification> {
        let domain = ownable_domain("domain", domain)?;
        if txt_values.len() > MAX_TXT_VALUES {
            return Err(Error::invalid(format!("at most {MAX_TXT_VALUES} TXT values are read")));
        }
        for t in txt_values {
            input::no_nul("txt_values", t.as_ref())?;
        }
        if let Some(long) = txt_values.iter().find(|t| t.as_ref().len() > MAX_TXT_BYTES) {
            return Err(Error::invalid(format!(
                "a TXT value of {} bytes is longer than the {MAX_TXT_BYTES} read",
                long.as_ref().len()
            )));
        }
        let now = self.now();
        self.store.write(|tx| {
            let admin = self.admin_of(&*tx, actor, org_id)?;
            let mut v = tx
                .domain_verifications(org_id)?
                .into_iter()
                .find(|v| v.domain == domain)
                .ok_or(Error::NotFound("domain verification"))?;
            if v.is_verified() {
                return Ok(v);
            }
            let found = txt_values.iter().any(|t| {
                let t = t.as_ref().trim().trim_matches('"').trim();
                t == v.record_value
            });
            if !found {
                return Err(Error::denied(format!(
                    "none of the TXT values found is the challenge of `{}` for this organization",
                    quote(&domain)
                )));
            }
            v.verified_at = Some(now);
            tx.put_domain_verification(&v)?;
            record(tx, org_id, now, Some(admin.id), EventKind::DomainVerified, json!({"domain": v.domain}))?;
            Ok(v)
        })
    }

    /// The domains organization `org_id` is verifying or has verified, by
    /// name. Only a member whose role manages the organization may list them.
    pub fn list_domains(&self, actor: MemberId, org_id: OrgId) -> Result<Vec<DomainVerification>> {
        self.store.read(|tx| {
            self.admin_of(tx, actor, org_id)?;
            tx.domain_verifications(org_id)
        })
    }
}
