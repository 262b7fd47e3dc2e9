import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { DataSource, Repository } from 'typeorm';

import type { Clock, Logger } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { Secrets } from '../secrets/index.js';
import { PlatformCaEntity } from './platform-ca.entity.js';
import {
  certToPem,
  createCaCertificate,
  createCrl,
  type CrlEntry,
  fingerprintOf,
  importSigningKey,
  issueCertificate,
  type IssuedCertificate,
  type KeyAlgorithm,
  type SigningKey,
  x509,
} from './x509.js';

const CA_ROW_ID = 'platform';
const DAY_MS = 24 * 3600 * 1000;
/** Generated CA and server certificates start this much before "now", so clients with a slightly late clock accept them. */
const BACKDATE_MS = 3600 * 1000;
/** Validity of the server certificate issued for the TLS listeners at start. */
export const SERVER_CERT_VALIDITY_DAYS = 397;
/** The public CA certificate is also written here, for clients that need a CA file (one-way TLS). */
export const CA_CERT_FILE_NAME = 'platform-ca.crt';

export interface TlsCredentials {
  keyPem: string;
  certPem: string;
  /** The platform CA: clients verify the server with it; the mutual-TLS listener verifies client certificates with it. */
  caPem: string;
}

export interface PlatformCaInfo {
  certificatePem: string;
  fingerprint: string;
  subject: string;
  keyAlgorithm: KeyAlgorithm;
  notBefore: Date;
  notAfter: Date;
  /** `generated` (stored in the database) or `file` (PORTICO_CA_CERT_FILE / PORTICO_CA_KEY_FILE). */
  source: 'generated' | 'file';
}

interface LoadedCa {
  certificate: x509.X509Certificate;
  key: SigningKey;
  info: PlatformCaInfo;
}

/**
 * The platform CA: generated on first start and kept in the database (key encrypted with the server
 * secret), or loaded from PEM files. Signs device certificates, the TLS server certificate and the CRL.
 */
export class PkiService {
  private readonly repo: Repository<PlatformCaEntity>;
  private ca?: LoadedCa;
  private serverCredentials?: Promise<TlsCredentials>;

  constructor(
    ds: DataSource,
    private readonly secrets: Secrets,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.repo = ds.getRepository(PlatformCaEntity);
  }

  /** Loads or creates the CA. Call once at start, before anything uses the PKI. */
  async init(): Promise<void> {
    if (this.ca) return;
    const { caCertFile, caKeyFile } = this.config.pki;
    if (caCertFile || caKeyFile) {
      if (!caCertFile || !caKeyFile) throw new Error('PORTICO_CA_CERT_FILE and PORTICO_CA_KEY_FILE must be set together');
      this.ca = await this.loadCa(fs.readFileSync(caCertFile, 'utf8'), fs.readFileSync(caKeyFile, 'utf8'), 'file');
      this.log.info(`platform CA loaded from ${caCertFile}`, { fingerprint: this.ca.info.fingerprint });
    } else {
      this.ca = await this.loadOrCreateStoredCa();
    }
    this.writeCaFile();
  }

  private async loadOrCreateStoredCa(): Promise<LoadedCa> {
    const existing = await this.repo.findOneBy({ id: CA_ROW_ID });
    if (existing) return this.fromRow(existing);
    const now = this.clock();
    const created = await createCaCertificate({
      algorithm: this.config.pki.caKeyAlgorithm,
      commonName: 'Portico Platform Root CA',
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + this.config.pki.caValidityDays * DAY_MS),
    });
    const row = this.repo.create({
      id: CA_ROW_ID,
      certificatePem: created.certificatePem,
      keyCiphertext: this.secrets.encrypt(created.privateKeyPem),
      createdAt: now,
    });
    try {
      await this.repo.insert(row);
      this.log.info('platform CA generated', { fingerprint: created.fingerprint, keyAlgorithm: this.config.pki.caKeyAlgorithm });
      return this.fromRow(row);
    } catch (err) {
      // Another instance sharing the database generated one at the same moment: use theirs.
      const winner = await this.repo.findOneBy({ id: CA_ROW_ID });
      if (!winner) throw err;
      return this.fromRow(winner);
    }
  }

  private async fromRow(row: PlatformCaEntity): Promise<LoadedCa> {
    let keyPem: string;
    try {
      keyPem = this.secrets.decrypt(row.keyCiphertext).toString('utf8');
    } catch {
      throw new Error('cannot decrypt the platform CA key: the server secret differs from the one it was created with');
    }
    return this.loadCa(row.certificatePem, keyPem, 'generated');
  }

  private async loadCa(certPem: string, keyPem: string, source: PlatformCaInfo['source']): Promise<LoadedCa> {
    const certificate = new x509.X509Certificate(certPem);
    const certKey = crypto.createPublicKey(certPem).export({ type: 'spki', format: 'der' });
    const ownKey = crypto.createPublicKey(crypto.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    if (!certKey.equals(ownKey)) throw new Error('the CA private key does not match the CA certificate');
    const key = await importSigningKey(keyPem);
    return {
      certificate,
      key,
      info: {
        certificatePem: certToPem(certificate),
        fingerprint: fingerprintOf(certificate.rawData),
        subject: certificate.subject,
        keyAlgorithm: key.algorithm,
        notBefore: certificate.notBefore,
        notAfter: certificate.notAfter,
        source,
      },
    };
  }

  private writeCaFile(): void {
    const file = path.join(this.config.dataDir, CA_CERT_FILE_NAME);
    try {
      fs.mkdirSync(this.config.dataDir, { recursive: true });
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      if (current !== this.loaded().info.certificatePem) fs.writeFileSync(file, this.loaded().info.certificatePem);
    } catch (err) {
      this.log.warn(`could not write ${file}`, err instanceof Error ? err.message : err);
    }
  }

  private loaded(): LoadedCa {
    if (!this.ca) throw new Error('PkiService.init() has not run');
    return this.ca;
  }

  /** The platform CA certificate (PEM): what devices put in `root_ca.crt`. */
  caCertificatePem(): string {
    return this.loaded().info.certificatePem;
  }

  platformCa(): PlatformCaInfo {
    return this.loaded().info;
  }

  /**
   * Key and certificate for the TLS listeners: the configured PEM files, or a certificate for
   * `config.mqtt.tlsHosts` issued by the platform CA (once per process).
   */
  serverTlsCredentials(): Promise<TlsCredentials> {
    this.serverCredentials ??= this.makeServerCredentials();
    return this.serverCredentials;
  }

  private async makeServerCredentials(): Promise<TlsCredentials> {
    const ca = this.loaded();
    const { tlsCertFile, tlsKeyFile, tlsHosts } = this.config.mqtt;
    if (tlsCertFile || tlsKeyFile) {
      if (!tlsCertFile || !tlsKeyFile) throw new Error('PORTICO_TLS_CERT_FILE and PORTICO_TLS_KEY_FILE must be set together');
      return { certPem: fs.readFileSync(tlsCertFile, 'utf8'), keyPem: fs.readFileSync(tlsKeyFile, 'utf8'), caPem: ca.info.certificatePem };
    }
    const hosts = tlsHosts.length ? tlsHosts : ['localhost'];
    const now = this.clock();
    const notAfter = new Date(Math.min(now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS, ca.info.notAfter.getTime()));
    const issued = await issueCertificate({
      ca,
      algorithm: this.config.pki.caKeyAlgorithm,
      commonName: hosts[0]!,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      usage: 'server',
      hosts,
    });
    this.log.debug('issued TLS server certificate', { hosts, fingerprint: issued.fingerprint, notAfter });
    return { certPem: issued.certificatePem, keyPem: issued.privateKeyPem, caPem: ca.info.certificatePem };
  }

  /** Issues a device (TLS client) certificate with a fresh key pair, signed by the platform CA. */
  async issueClientCertificate(o: { commonName: string; algorithm: KeyAlgorithm; notBefore: Date; notAfter: Date }): Promise<IssuedCertificate> {
    const ca = this.loaded();
    if (o.notAfter.getTime() > ca.info.notAfter.getTime()) {
      throw new Error('certificate would outlive the platform CA');
    }
    return issueCertificate({ ca, usage: 'client', ...o });
  }

  /** A CRL signed by the platform CA listing the given revoked serial numbers. */
  crlPem(entries: CrlEntry[], thisUpdate: Date, nextUpdate: Date): Promise<string> {
    return createCrl({ ca: this.loaded(), entries, thisUpdate, nextUpdate });
  }
}
