import 'reflect-metadata';

import crypto, { webcrypto } from 'node:crypto';
import net from 'node:net';

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;

export type KeyAlgorithm = 'ECDSA' | 'RSA';

/** A signing key pair plus the algorithm parameters to use it with. */
export interface SigningKey {
  algorithm: KeyAlgorithm;
  privateKey: CryptoKey;
  /** The `signingAlgorithm` for @peculiar/x509. */
  signingAlgorithm: Algorithm | EcdsaParams;
}

const ECDSA_GEN: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const RSA_GEN: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const params = algorithm === 'RSA' ? RSA_GEN : ECDSA_GEN;
  return (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}

const signingAlgorithmFor = (key: CryptoKey): Algorithm | EcdsaParams => (key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' });

/** PKCS#8 PEM of a private key (`-----BEGIN PRIVATE KEY-----`), which OpenSSL, Python and Node all read. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Imports a PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`) for signing certificates. */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  const keyObject = crypto.createPrivateKey(pem);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  let params: EcKeyImportParams | RsaHashedImportParams;
  let algorithm: KeyAlgorithm;
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new Error(`unsupported EC curve ${keyObject.asymmetricKeyDetails?.namedCurve}`);
    params = { name: 'ECDSA', namedCurve: curve };
    algorithm = 'ECDSA';
  } else if (keyObject.asymmetricKeyType === 'rsa') {
    params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    algorithm = 'RSA';
  } else {
    throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}`);
  }
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, params, false, ['sign']);
  const signingAlgorithm: Algorithm | EcdsaParams = algorithm === 'ECDSA' ? { name: 'ECDSA', hash: curve384or512(params as EcKeyImportParams) } : { name: 'RSASSA-PKCS1-v1_5' };
  return { algorithm, privateKey, signingAlgorithm };
}

function curve384or512(params: EcKeyImportParams): string {
  return params.namedCurve === 'P-384' ? 'SHA-384' : params.namedCurve === 'P-521' ? 'SHA-512' : 'SHA-256';
}

/** SHA-256 fingerprint of a DER certificate, upper-case hex pairs joined by colons (as Node's `fingerprint256` and OpenSSL print it). */
export function fingerprintOf(der: Buffer | ArrayBuffer | Uint8Array): string {
  const bytes = der instanceof ArrayBuffer ? new Uint8Array(der) : der;
  return crypto.createHash('sha256').update(bytes).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** A positive, random 127-bit serial number as lower-case hex (RFC 5280: ≤ 20 octets, positive). */
export function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

export interface IssuedCertificate {
  certificate: x509.X509Certificate;
  certificatePem: string;
  privateKeyPem: string;
  serialNumber: string;
  fingerprint: string;
}

export const certToPem = (cert: x509.X509Certificate): string => cert.toString('pem') + '\n';

/** A new certificate with its PEMs, serial number and fingerprint. */
async function issued(certificate: x509.X509Certificate, privateKey: CryptoKey, serialNumber: string): Promise<IssuedCertificate> {
  return {
    certificate,
    certificatePem: certToPem(certificate),
    privateKeyPem: await privateKeyToPem(privateKey),
    serialNumber,
    fingerprint: fingerprintOf(certificate.rawData),
  };
}

/** Generates a self-signed CA certificate and key. */
export async function createCaCertificate(opts: { algorithm: KeyAlgorithm; commonName: string; notBefore: Date; notAfter: Date }): Promise<IssuedCertificate & { signingKey: SigningKey }> {
  const keys = await generateKeyPair(opts.algorithm);
  const serialNumber = randomSerial();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: [{ CN: [opts.commonName] }, { O: ['Portico'] }],
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    keys,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    ...(await issued(certificate, keys.privateKey, serialNumber)),
    signingKey: { algorithm: opts.algorithm, privateKey: keys.privateKey, signingAlgorithm: signingAlgorithmFor(keys.privateKey) },
  };
}

export interface IssueOptions {
  ca: { certificate: x509.X509Certificate; key: SigningKey };
  algorithm: KeyAlgorithm;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** `client` for device certificates, `server` for the TLS listeners. */
  usage: 'client' | 'server';
  /** Subject alternative names for server certificates: DNS names and IP addresses. */
  hosts?: string[];
}

/** Generates a key pair and a certificate for it, signed by the CA. */
export async function issueCertificate(o: IssueOptions): Promise<IssuedCertificate> {
  const keys = await generateKeyPair(o.algorithm);
  const serialNumber = randomSerial();
  const digitalSignature = x509.KeyUsageFlags.digitalSignature | (o.algorithm === 'RSA' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([o.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(o.ca.certificate.publicKey),
  ];
  if (o.hosts?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(o.hosts.map((h) => ({ type: net.isIP(h) ? 'ip' : 'dns', value: h }) as x509.JsonGeneralName)));
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: [{ CN: [o.commonName] }],
    issuer: o.ca.certificate.subjectName,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey: keys.publicKey,
    signingKey: o.ca.key.privateKey,
    signingAlgorithm: o.ca.key.signingAlgorithm,
    extensions,
  });
  return issued(certificate, keys.privateKey, serialNumber);
}

export interface CrlEntry {
  serialNumber: string;
  revocationDate: Date;
}

/** A CRL signed by the CA, listing the revoked serial numbers; PEM. */
export async function createCrl(o: { ca: { certificate: x509.X509Certificate; key: SigningKey }; thisUpdate: Date; nextUpdate: Date; entries: CrlEntry[] }): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: o.ca.certificate.subjectName,
    thisUpdate: o.thisUpdate,
    nextUpdate: o.nextUpdate,
    signingKey: o.ca.key.privateKey,
    signingAlgorithm: o.ca.key.signingAlgorithm,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(o.ca.certificate.publicKey),
      // cRLNumber (RFC 5280 5.2.3): increases with thisUpdate, also across instances.
      new x509.Extension('2.5.29.20', false, derInteger(Math.floor(o.thisUpdate.getTime() / 1000))),
    ],
    // The invalidity date keeps each entry's extension list non-empty (the library would otherwise emit an empty, non-DER SEQUENCE).
    entries: o.entries.map((e) => ({ serialNumber: e.serialNumber, revocationDate: e.revocationDate, invalidity: e.revocationDate })),
  });
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n';
}

/** DER INTEGER of a non-negative safe integer. */
function derInteger(value: number): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  const bytes = Buffer.from(hex, 'hex');
  return Uint8Array.from([0x02, bytes.length, ...bytes]);
}

export { x509 };
