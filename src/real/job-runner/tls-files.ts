/**
 * The PEM files a jobs command is given, checked before anything starts: each must be a readable
 * PEM that parses (a certificate, a private key), and the key must match the certificate. A bad
 * file is one `InputError` line naming the flag, never a server that prints "serving" and then
 * fails every handshake.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { InputError } from '../../env/errors.js';
import { readInputFile } from '../common/files.js';

export interface TlsFiles {
  /** Paths of this side's certificate and key, and of the CA certificate it trusts. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface TlsPems {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

function certificate(pem: string, flag: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new InputError(`${flag}: ${path} is not a PEM certificate`);
  }
}

/** Reads and checks the three files; `whose` names the side in messages (`the server`, `your`). */
export async function loadTlsFiles(files: TlsFiles, whose: string): Promise<TlsPems> {
  const certPem = await readInputFile(files.cert, `${whose} certificate`);
  const keyPem = await readInputFile(files.key, `${whose} key`);
  const caPem = await readInputFile(files.ca, 'the CA certificate');
  const cert = certificate(certPem, '--cert', files.cert);
  certificate(caPem, '--ca', files.ca);
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new InputError(`--key: ${files.key} is not a PEM private key (or it is encrypted)`);
  }
  if (!cert.checkPrivateKey(key)) throw new InputError(`--key: ${files.key} does not match the certificate ${files.cert}`);
  try {
    createSecureContext({ cert: certPem, key: keyPem, ca: caPem });
  } catch (error) {
    throw new InputError(`cannot use ${files.cert}, ${files.key} and ${files.ca} for TLS: ${(error as Error).message}`);
  }
  return { certPem, keyPem, caPem };
}
