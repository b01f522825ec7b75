//! TLS to the queue's Redis (`rediss://`) with a private CA and, optionally, a client
//! certificate.
//!
//! Without files the server's certificate must chain to a public (webpki) root, which a
//! self-hosted Redis with its own CA never does. [`QueueTls::ca_file`] replaces the public roots
//! with that CA; [`QueueTls::client`] presents a certificate to a Redis started with
//! `tls-auth-clients yes`. The files are read and checked before anything is connected, so a
//! missing file, a file without the expected PEM block or a key that is not the certificate's
//! is reported with its path; a handshake that fails (a server certificate the CA did not sign,
//! a client certificate the server refuses) is [`QueueError::Tls`], reported at start-up.

use std::path::{Path, PathBuf};

use redis::{ClientTlsConfig, TlsCertificates};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::QueueError;

/// Certificates for a `rediss://` queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueTls {
    /// PEM file with the CA certificate(s) that signed the server's certificate; trusted
    /// instead of the public roots.
    pub ca_file: Option<PathBuf>,
    /// A certificate to present to a Redis that asks for one (mutual TLS).
    pub client: Option<ClientCertificate>,
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate, then any intermediates.
    pub cert_file: PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

impl QueueTls {
    /// Whether any file is set.
    pub fn is_set(&self) -> bool {
        self.ca_file.is_some() || self.client.is_some()
    }

    /// Reads and checks the files, for the redis client (which would only say "unable to
    /// parse" without naming the file, or fail at the first connection).
    pub(crate) fn load(&self) -> Result<TlsCertificates, QueueError> {
        let root_cert = match &self.ca_file {
            Some(path) => {
                let pem = read(path)?;
                let mut roots = rustls::RootCertStore::empty();
                for cert in certificates(path, &pem)? {
                    roots.add(cert).map_err(|e| {
                        file_error(path, format!("not a usable CA certificate: {e}"))
                    })?;
                }
                Some(pem)
            }
            None => None,
        };
        let client_tls = match &self.client {
            Some(c) => {
                let cert_pem = read(&c.cert_file)?;
                let chain = certificates(&c.cert_file, &cert_pem)?;
                let key_pem = read(&c.key_file)?;
                let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
                    file_error(&c.key_file, format!("no PEM private key in it ({e})"))
                })?;
                // rustls refuses a key that is not the certificate's, but only when connecting.
                rustls::sign::CertifiedKey::from_der(
                    chain,
                    key,
                    &rustls::crypto::ring::default_provider(),
                )
                .map_err(|e| {
                    file_error(
                        &c.key_file,
                        format!("not the key of {}: {e}", c.cert_file.display()),
                    )
                })?;
                Some(ClientTlsConfig {
                    client_cert: cert_pem,
                    client_key: key_pem,
                })
            }
            None => None,
        };
        Ok(TlsCertificates {
            client_tls,
            root_cert,
        })
    }
}

fn file_error(path: &Path, reason: String) -> QueueError {
    QueueError::TlsFile {
        path: path.to_path_buf(),
        reason,
    }
}

fn read(path: &Path) -> Result<Vec<u8>, QueueError> {
    std::fs::read(path).map_err(|e| file_error(path, e.to_string()))
}

/// The file's certificates; none is an error (a key or a DER file given by mistake).
fn certificates(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, QueueError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(path, format!("not PEM ({e})")))?;
    if certs.is_empty() {
        return Err(file_error(
            path,
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
        ));
    }
    Ok(certs)
}

/// What rustls said, when a Redis error came from the TLS layer (a certificate one side
/// refused, or an alert the server sent).
pub(crate) fn failure(e: &redis::RedisError) -> Option<String> {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(t) = c.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        // tokio-rustls wraps rustls's error in an io::Error, whose `source` skips it.
        if let Some(t) = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(t.to_string());
        }
        cause = c.source();
    }
    None
}
