/**
 * A development certificate authority for the job runner's mutual-TLS API, made with node-forge:
 * a CA, a server certificate for localhost, and one client certificate per user, whose subject CN
 * is the user name the server authorizes by. For development and tests, not for production PKI.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import forge from 'node-forge';
import { InputError } from '../../env/errors.js';
import { errorCode } from '../../env/fs.js';
import { requireDirectory } from '../common/files.js';

export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
}

const VALID_DAYS = 365;

/** A 2048-bit RSA key pair, made by Node's native crypto (forge's own generator takes seconds). */
function newKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

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
  const keys = newKeyPair();
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
  const keys = newKeyPair();
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
  if (users.length === 0) throw new InputError('--users: name at least one user');
  await prepareOutDir(outDir);
  const ca = createCertificateAuthority();
  const written: string[] = [];
  const write = async (path: string, text: string, mode: number): Promise<void> => {
    try {
      await writeFile(path, text, { mode });
    } catch (error) {
      throw new InputError(`--out: cannot write ${path}: ${errorCode(error) ?? (error as Error).message}`);
    }
    written.push(path);
  };
  const save = async (name: string, pair: CertificatePair, withKey: boolean): Promise<void> => {
    await write(join(outDir, `${name}.crt`), pair.certPem, 0o644);
    if (withKey) await write(join(outDir, `${name}.key`), pair.keyPem, 0o600);
  };
  await save('ca', ca, false);
  await write(join(outDir, 'ca.key'), ca.keyPem, 0o600);
  await save('server', issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1', '::1'] }), true);
  for (const user of users) await save(user, issueCertificate(ca, { commonName: user }), true);
  return written;
}

/**
 * Makes sure `outDir` is a directory, creating it (not its parents) when absent. Checked before any
 * key is made, and without a recursive mkdir, which never returns on some paths under /proc.
 */
async function prepareOutDir(outDir: string): Promise<void> {
  try {
    if (!(await stat(outDir)).isDirectory()) throw new InputError(`--out: ${outDir} is not a directory`);
    return;
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (errorCode(error) !== 'ENOENT') throw new InputError(`--out: cannot use ${outDir}: ${errorCode(error) ?? (error as Error).message}`);
  }
  await requireDirectory(dirname(outDir), `--out ${outDir}: its parent`);
  try {
    await mkdir(outDir);
  } catch (error) {
    throw new InputError(`--out: cannot create directory ${outDir}: ${errorCode(error) ?? (error as Error).message}`);
  }
}
