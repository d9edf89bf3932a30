//! Which addresses the fetcher may connect to (SSRF protection), and the resolver that
//! enforces it on the address actually connected to.
//!
//! A portfolio link is attacker-controlled input: `http://169.254.169.254/` or a name that
//! resolves to `10.0.0.5` would make the auditor probe its own network. Checking the URL's
//! text is not enough (DNS rebinding, redirects), so every name is resolved here and only
//! public addresses are handed to the connector. IP literals never reach a resolver; the
//! fetcher checks them with [`forbidden_reason`] before each hop. The `url` crate already
//! reads odd IPv4 spellings (`0177.0.0.1`, `2130706433`, `0x7f.1`) as the address they
//! denote, so they are checked as such.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address may not be fetched, or `None` for a public unicast address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (`::ffff:127.0.0.1`) and IPv4-compatible forms reach IPv4 hosts.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4).or(Some("IPv4-mapped IPv6"));
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = match (a, b, c) {
        _ if ip.is_unspecified() => "unspecified",
        (0, _, _) => "this network (0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) => "private (10.0.0.0/8)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (169, 254, _) => "link-local (169.254.0.0/16, cloud metadata)",
        (100, 64..=127, _) => "shared address space (CGNAT, 100.64.0.0/10)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation range",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved or broadcast",
        _ => return None,
    };
    Some(reason)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let reason = if ip.is_unspecified() {
        "unspecified"
    } else if ip.is_loopback() {
        "loopback"
    } else if segments[0] & 0xfe00 == 0xfc00 {
        "unique local (fc00::/7)"
    } else if segments[0] & 0xffc0 == 0xfe80 {
        "link-local (fe80::/10)"
    } else if segments[0] & 0xffc0 == 0xfec0 {
        "site-local (fec0::/10)"
    } else if segments[0] & 0xff00 == 0xff00 {
        "multicast"
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        "documentation range"
    } else if segments[0] == 0x0064 && segments[1] == 0xff9b {
        // NAT64 maps the IPv4 internet, including its private ranges, into this prefix.
        let v4 = Ipv4Addr::new(
            (segments[6] >> 8) as u8,
            segments[6] as u8,
            (segments[7] >> 8) as u8,
            segments[7] as u8,
        );
        return forbidden_v4(v4).map(|_| "NAT64 of a non-public IPv4 address");
    } else if segments[..6] == [0, 0, 0, 0, 0, 0] {
        // Deprecated IPv4-compatible form (`::127.0.0.1`).
        "IPv4-compatible IPv6"
    } else {
        return None;
    };
    Some(reason)
}

/// `--resolve HOST:PORT:ADDR`, as curl takes it: the name `HOST` connects to `ADDR`. The
/// connection uses the URL's port; `PORT` is kept for curl compatibility and error text.
/// Two additions: `HOST` may be `*`, for every name not mapped otherwise, and `ADDR` may
/// carry a port (`127.0.0.1:8080`, `[::1]:8080`) used when the URL names none, so a
/// loopback server on any port can stand in for sites on the default ports (`demo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveOverride {
    pub host: String,
    pub port: u16,
    /// Port 0 means the URL's own port.
    pub addr: SocketAddr,
}

/// The host of an override that applies to every name.
const ANY_HOST: &str = "*";

/// Why a `--resolve` value could not be read.
#[derive(Debug, thiserror::Error)]
#[error("--resolve {value:?}: {reason} (expected HOST:PORT:ADDR, e.g. shop.test:443:127.0.0.1)")]
pub struct ResolveOverrideError {
    value: String,
    reason: &'static str,
}

impl FromStr for ResolveOverride {
    type Err = ResolveOverrideError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let fail = |reason| ResolveOverrideError {
            value: value.to_owned(),
            reason,
        };
        let mut parts = value.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("three parts separated by ':' are needed"));
        };
        if host.is_empty() {
            return Err(fail("the host is empty"));
        }
        let port = port.parse().map_err(|_| fail("the port is not a number"))?;
        let addr = match addr.parse::<SocketAddr>() {
            Ok(with_port) => with_port,
            Err(_) => {
                let ip: IpAddr = addr
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse()
                    .map_err(|_| fail("the address is not an IP address"))?;
                SocketAddr::new(ip, 0)
            }
        };
        Ok(ResolveOverride {
            host: host.to_ascii_lowercase(),
            port,
            addr,
        })
    }
}

impl ResolveOverride {
    /// Every name connects to `addr` (a loopback server standing in for the web).
    pub fn every_name(addr: SocketAddr) -> ResolveOverride {
        ResolveOverride {
            host: ANY_HOST.to_owned(),
            port: 0,
            addr,
        }
    }
}

/// A resolver that answers from the overrides or the system resolver, and drops every
/// address [`forbidden_reason`] refuses unless private addresses are allowed. Overrides are
/// the operator's own mapping (`--resolve`), not page input, so they are trusted: a test
/// or an internal mirror can be reached while every other name stays guarded.
#[derive(Clone)]
pub(crate) struct GuardedResolver {
    overrides: Arc<HashMap<String, SocketAddr>>,
    allow_private: bool,
}

/// A name that did not resolve; the fetcher reports it as `dns`.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {source}")]
pub(crate) struct DnsError {
    host: String,
    #[source]
    source: std::io::Error,
}

/// The error a refused name resolves to; the fetcher finds it in the error chain and
/// reports `private_address`.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to non-public addresses ({reason})")]
pub(crate) struct PrivateAddressError {
    pub(crate) host: String,
    pub(crate) reason: &'static str,
}

impl GuardedResolver {
    pub(crate) fn new(overrides: &[ResolveOverride], allow_private: bool) -> Self {
        GuardedResolver {
            overrides: Arc::new(overrides.iter().map(|o| (o.host.clone(), o.addr)).collect()),
            allow_private,
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let overridden = self
            .overrides
            .get(&host)
            .or_else(|| self.overrides.get(ANY_HOST))
            .copied();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = match overridden {
                Some(addr) => return Ok(Box::new(std::iter::once(addr)) as Addrs),
                None => tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map_err(|source| DnsError {
                        host: host.clone(),
                        source,
                    })?
                    .collect(),
            };
            if allow_private {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let mut refused = None;
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match forbidden_reason(a.ip()) {
                    Some(reason) => {
                        refused = Some(reason);
                        false
                    }
                    None => true,
                })
                .collect();
            match (public.is_empty(), refused) {
                (true, Some(reason)) => Err(Box::new(PrivateAddressError { host, reason }) as _),
                _ => Ok(Box::new(public.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::{Host, Url};

    fn reason_for(url: &str) -> Option<&'static str> {
        let url = Url::parse(url).unwrap();
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => panic!("{url} has no IP host"),
        };
        forbidden_reason(ip)
    }

    #[test]
    fn private_and_special_addresses_are_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1/",
            "http://0177.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://0.0.0.0/",
            "http://10.1.2.3/",
            "http://172.20.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.100.100.200/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[64:ff9b::a00:1]/",
        ] {
            assert!(reason_for(url).is_some(), "{url} was allowed");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for url in [
            "http://93.184.215.14/",
            "http://8.8.8.8/",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "http://[2606:4700::1111]/",
            "http://[64:ff9b::808:808]/",
        ] {
            assert_eq!(reason_for(url), None, "{url}");
        }
    }

    #[test]
    fn resolve_overrides_parse_like_curl() {
        let o: ResolveOverride = "Shop.test:443:127.0.0.1".parse().unwrap();
        assert_eq!(o.host, "shop.test");
        assert_eq!(o.port, 443);
        assert_eq!(o.addr, SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
        let o: ResolveOverride = "a.test:80:[::1]".parse().unwrap();
        assert_eq!(o.addr, SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0));
        let o: ResolveOverride = "*:80:127.0.0.1:8080".parse().unwrap();
        assert_eq!((o.host.as_str(), o.addr.port()), ("*", 8080));
        let o: ResolveOverride = "a.test:80:[::1]:8080".parse().unwrap();
        assert_eq!(
            o.addr,
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 8080)
        );
        let err = "a.test:http:127.0.0.1"
            .parse::<ResolveOverride>()
            .unwrap_err();
        assert!(err.to_string().contains("a.test:http:127.0.0.1"), "{err}");
        assert!("a.test:80".parse::<ResolveOverride>().is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_private_addresses_but_trusts_overrides() {
        // `localhost` resolves to loopback on every machine, without the network.
        let guarded = GuardedResolver::new(&[], false);
        let err = guarded
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.downcast_ref::<PrivateAddressError>().is_some(), "{err}");
        let open = GuardedResolver::new(&[], true);
        assert!(
            open.resolve(Name::from_str("localhost").unwrap())
                .await
                .is_ok()
        );
        let overrides = ["mirror.test:80:10.0.0.5".parse().unwrap()];
        let mapped = GuardedResolver::new(&overrides, false);
        let addrs: Vec<_> = mapped
            .resolve(Name::from_str("mirror.test").unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, [SocketAddr::from(([10, 0, 0, 5], 0))]);
    }
}
