"""STARTTLS for real: a throwaway CA and a server certificate for 127.0.0.1 (made here with ``cryptography``), an
aiosmtpd server that requires STARTTLS before anything else and a login only over TLS; the sender trusts the CA
through ``GQLEVOLVE_SMTP_CA_FILE`` and delivers; a certificate it does not trust is refused in one line."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gqlevolve.cli import main
from gqlevolve.clock import FixedClock
from gqlevolve.errors import InvalidInput
from gqlevolve.notices import NoticeSettings, add_consumer, list_deliveries
from gqlevolve.notices.channels.email import Mailer, SmtpUnavailable, build_message
from gqlevolve.notices.settings import ENVIRONMENT, SmtpSettings
from gqlevolve.usage_store import UsageStore
from tests.notices_helpers import smtp_server

V1 = "/api/v1/graphql"
# A day in the past on every run of the suite (moved +400 and -200 days): --as-of accepts it.
DAY = dt.date(2025, 3, 3)
PASSWORD = "tls-only-password"
# Fixed, wide validity: OpenSSL checks it against the real clock, which the "any day" runs do not move (they move
# Python's), and no test reads the wall clock.
VALID_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2099, 12, 31, tzinfo=dt.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _certificates(directory: Path, ca_name: str) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) as PEM files; the server's is for IP 127.0.0.1."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name(ca_name)).issuer_name(_name(ca_name))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder().subject_name(_name("smtp.test")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_path = directory / f"{ca_name}-server.key"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return _pem(directory / f"{ca_name}-ca.pem", ca), _pem(directory / f"{ca_name}-server.pem", server), key_path


def _server_context(certificate: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context


def _tls_server(tmp_path: Path):
    """An SMTP server that requires STARTTLS first, and a login (over TLS only) with PASSWORD; and its CA."""
    ca, certificate, key = _certificates(tmp_path, "trusted")

    def authenticator(server, session, envelope, mechanism, data):
        return AuthResult(success=isinstance(data, LoginPassword) and data.password == PASSWORD.encode())

    server = smtp_server(tls_context=_server_context(certificate, key), require_starttls=True,
                         authenticator=authenticator, auth_required=True, auth_require_tls=True)
    return ca, server


def _message():
    return build_message(subject="Final warning", text="Hello", html="<p>Hello</p>", sender="api@example.com",
                         to="web@example.com", key="tls1", unsubscribe="mailto:api@example.com")


def test_an_email_goes_over_starttls_with_login_to_a_server_of_a_private_ca(tmp_path):
    ca, server = _tls_server(tmp_path)
    with server as (mailbox, port):
        settings = NoticeSettings.from_environ({
            "GQLEVOLVE_SMTP_HOST": "127.0.0.1", "GQLEVOLVE_SMTP_PORT": str(port), "GQLEVOLVE_SMTP_STARTTLS": "1",
            "GQLEVOLVE_SMTP_CA_FILE": str(ca), "GQLEVOLVE_SMTP_USER": "gqlevolve", "GQLEVOLVE_SMTP_PASSWORD": PASSWORD,
            "GQLEVOLVE_NOTICE_FROM": "api@example.com",
        })
        assert settings.smtp is not None and settings.smtp.ca_file == str(ca)
        mailer = Mailer(settings.smtp)
        mailer.open()
        try:
            assert mailer.send(_message()).sent
        finally:
            mailer.close()
        # The same server refuses a client that skips STARTTLS: the TLS above is what let the message through.
        plain = Mailer(SmtpSettings("127.0.0.1", port, username="gqlevolve", password=PASSWORD, timeout=5))
        with pytest.raises(SmtpUnavailable, match="cannot log in to the SMTP server"):
            plain.open()
    assert [message["Message-ID"] for message in mailbox.messages] == ["<tls1@example.com>"]


def test_a_certificate_the_client_does_not_trust_is_refused_in_one_line(tmp_path):
    ca, server = _tls_server(tmp_path)
    other_ca, _, _ = _certificates(tmp_path, "other")
    with server as (mailbox, port):
        for ca_file in (None, str(other_ca)):  # the system's CAs, then another private CA
            mailer = Mailer(SmtpSettings("127.0.0.1", port, starttls=True, timeout=5, ca_file=ca_file,
                                         username="gqlevolve", password=PASSWORD))
            with pytest.raises(SmtpUnavailable) as refused:
                mailer.open()
            line = str(refused.value)
            assert line.startswith(f"cannot start TLS with the SMTP server 127.0.0.1:{port}: its certificate is not "
                                   "trusted (unable to get local issuer certificate)"), line
            assert "GQLEVOLVE_SMTP_CA_FILE" in line and "\n" not in line
    assert mailbox.messages == []


def test_the_cli_delivers_over_starttls_and_logs_an_untrusted_certificate_as_a_failed_delivery(tmp_path, monkeypatch):
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    url = f"sqlite:///{tmp_path / 'notices.db'}"
    with UsageStore(url, migrate=True, handle_shutdown=False, clock=FixedClock(DAY)) as store:
        store.update_deprecation(V1, "User.name", {"deprecated_on": DAY, "sunset_on": DAY + dt.timedelta(days=200)},
                                 actor="test", create=True)
        store.record_operation(V1, {"User.name"}, client_name="web", client_version="1.0", count=5)
        add_consumer(store, "web", emails=["web@example.com"])
    ca, server = _tls_server(tmp_path)
    other_ca, _, _ = _certificates(tmp_path, "other")
    with server as (mailbox, port):
        def notify(ca_file: Path):
            return CliRunner(env={"GQLEVOLVE_SMTP_PASSWORD": PASSWORD}).invoke(main, [
                "notify", "--as-of", DAY.isoformat(), "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                "--smtp-starttls", "1", "--smtp-ca-file", str(ca_file), "--smtp-user", "gqlevolve",
                "--from", "api@example.com", "--db", url,
            ])

        untrusted = notify(other_ca)
        assert untrusted.exit_code == 1, untrusted.output
        assert mailbox.messages == []
        trusted = notify(ca)
        assert trusted.exit_code == 0, trusted.output
    assert [message["To"] for message in mailbox.messages] == ["web@example.com"]
    with UsageStore(url, handle_shutdown=False) as store:
        [delivery] = list_deliveries(store)
    assert (delivery.status.value, delivery.attempts) == ("sent", 2)


def test_a_ca_file_is_checked_with_the_settings(tmp_path):
    with pytest.raises(InvalidInput, match=r'^smtp_ca_file: cannot read ".*missing.pem": No such file or directory$'):
        NoticeSettings.build(smtp_host="127.0.0.1", smtp_starttls="1", smtp_ca_file=str(tmp_path / "missing.pem"),
                             sender="api@example.com")
    (tmp_path / "empty.pem").write_text("not a certificate\n")
    with pytest.raises(InvalidInput, match="^smtp_ca_file: cannot read .*: not a PEM file of CA certificates$"):
        NoticeSettings.build(smtp_host="127.0.0.1", smtp_starttls="1", smtp_ca_file=str(tmp_path / "empty.pem"),
                             sender="api@example.com")
    with pytest.raises(InvalidInput, match="^smtp_ca_file: only with smtp_starttls"):
        NoticeSettings.build(smtp_host="127.0.0.1", smtp_ca_file=str(tmp_path / "empty.pem"), sender="api@example.com")
