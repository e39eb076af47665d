/**
 * A development certificate authority for the job runner's mutual-TLS API, made with node-forge:
 * a CA, a server certificate for localhost, and one client certificate per user, whose subject CN
 * is the user name the server authorizes by. For development and tests, not for production PKI.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { InputError } from '../../env/errors.js';

export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
}

const VALID_DAYS = 365;

function newCertificate(commonName: string, publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  // A random positive serial: two certificates from one CA must never share one.
  certificate.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + VALID_DAYS * 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  return certificate;
}

/** A self-signed CA certificate and its key. */
export function createCertificateAuthority(commonName = 'simrun development CA'): CertificatePair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const certificate = newCertificate(commonName, keys.publicKey);
  certificate.setIssuer(certificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export interface IssueOptions {
  readonly commonName: string;
  /** A server certificate (for these DNS names and IPs) rather than a client one. */
  readonly serverHosts?: readonly string[];
}

/** A certificate signed by `ca`: a client certificate for a user, or a server one. */
export function issueCertificate(ca: CertificatePair, options: IssueOptions): CertificatePair {
  const caCertificate = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const certificate = newCertificate(options.commonName, keys.publicKey);
  certificate.setIssuer(caCertificate.subject.attributes);
  const server = options.serverHosts !== undefined;
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: server, clientAuth: !server },
    ...(server
      ? [{ name: 'subjectAltName', altNames: (options.serverHosts ?? []).map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })) }]
      : []),
  ]);
  certificate.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/**
 * Writes `ca.crt`, `server.crt`/`server.key` (localhost, 127.0.0.1, ::1) and `USER.crt`/`USER.key`
 * per user into `outDir`; keys are readable by their owner only. Returns the files written.
 */
export async function writeDevelopmentCertificates(outDir: string, users: readonly string[]): Promise<string[]> {
  // A user's name becomes a file name next to the CA's and the server's own files.
  const bad = users.find((user) => !/^[A-Za-z0-9_.-]+$/.test(user) || user === 'ca' || user === 'server');
  if (bad !== undefined) throw new InputError(`--users: '${bad}' is not a usable user name (letters, digits, _ . -; not 'ca' or 'server')`);
  await mkdir(outDir, { recursive: true });
  const ca = createCertificateAuthority();
  const written: string[] = [];
  const save = async (name: string, pair: CertificatePair, withKey: boolean): Promise<void> => {
    await writeFile(join(outDir, `${name}.crt`), pair.certPem);
    written.push(join(outDir, `${name}.crt`));
    if (!withKey) return;
    await writeFile(join(outDir, `${name}.key`), pair.keyPem, { mode: 0o600 });
    written.push(join(outDir, `${name}.key`));
  };
  await save('ca', ca, false);
  await writeFile(join(outDir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  written.push(join(outDir, 'ca.key'));
  await save('server', issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1', '::1'] }), true);
  for (const user of users) await save(user, issueCertificate(ca, { commonName: user }), true);
  return written;
}
