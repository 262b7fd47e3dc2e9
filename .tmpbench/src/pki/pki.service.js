"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PkiService = exports.CA_CERT_FILE_NAME = exports.SERVER_CERT_VALIDITY_DAYS = void 0;
const node_crypto_1 = __importDefault(require("node:crypto"));
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const platform_ca_entity_js_1 = require("./platform-ca.entity.js");
const x509_js_1 = require("./x509.js");
const CA_ROW_ID = 'platform';
const DAY_MS = 24 * 3600 * 1000;
/** Generated CA and server certificates start this much before "now", so clients with a slightly late clock accept them. */
const BACKDATE_MS = 3600 * 1000;
/** Validity of the server certificate issued for the TLS listeners at start. */
exports.SERVER_CERT_VALIDITY_DAYS = 397;
/** The public CA certificate is also written here, for clients that need a CA file (one-way TLS). */
exports.CA_CERT_FILE_NAME = 'platform-ca.crt';
/**
 * The platform CA: generated on first start and kept in the database (key encrypted with the server
 * secret), or loaded from PEM files. Signs device certificates, the TLS server certificate and the CRL.
 */
class PkiService {
    constructor(ds, secrets, config, clock, log) {
        this.secrets = secrets;
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.repo = ds.getRepository(platform_ca_entity_js_1.PlatformCaEntity);
    }
    /** Loads or creates the CA. Call once at start, before anything uses the PKI. */
    async init() {
        if (this.ca)
            return;
        const { caCertFile, caKeyFile } = this.config.pki;
        if (caCertFile || caKeyFile) {
            if (!caCertFile || !caKeyFile)
                throw new Error('PORTICO_CA_CERT_FILE and PORTICO_CA_KEY_FILE must be set together');
            this.ca = await this.loadCa(node_fs_1.default.readFileSync(caCertFile, 'utf8'), node_fs_1.default.readFileSync(caKeyFile, 'utf8'), 'file');
            this.log.info(`platform CA loaded from ${caCertFile}`, { fingerprint: this.ca.info.fingerprint });
        }
        else {
            this.ca = await this.loadOrCreateStoredCa();
        }
        this.writeCaFile();
    }
    async loadOrCreateStoredCa() {
        const existing = await this.repo.findOneBy({ id: CA_ROW_ID });
        if (existing)
            return this.fromRow(existing);
        const now = this.clock();
        const created = await (0, x509_js_1.createCaCertificate)({
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
        }
        catch (err) {
            // Another instance sharing the database generated one at the same moment: use theirs.
            const winner = await this.repo.findOneBy({ id: CA_ROW_ID });
            if (!winner)
                throw err;
            return this.fromRow(winner);
        }
    }
    async fromRow(row) {
        let keyPem;
        try {
            keyPem = this.secrets.decrypt(row.keyCiphertext).toString('utf8');
        }
        catch {
            throw new Error('cannot decrypt the platform CA key: the server secret differs from the one it was created with');
        }
        return this.loadCa(row.certificatePem, keyPem, 'generated');
    }
    async loadCa(certPem, keyPem, source) {
        const certificate = new x509_js_1.x509.X509Certificate(certPem);
        const certKey = node_crypto_1.default.createPublicKey(certPem).export({ type: 'spki', format: 'der' });
        const ownKey = node_crypto_1.default.createPublicKey(node_crypto_1.default.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
        if (!certKey.equals(ownKey))
            throw new Error('the CA private key does not match the CA certificate');
        const key = await (0, x509_js_1.importSigningKey)(keyPem);
        return {
            certificate,
            key,
            info: {
                certificatePem: (0, x509_js_1.certToPem)(certificate),
                fingerprint: (0, x509_js_1.fingerprintOf)(certificate.rawData),
                subject: certificate.subject,
                keyAlgorithm: key.algorithm,
                notBefore: certificate.notBefore,
                notAfter: certificate.notAfter,
                source,
            },
        };
    }
    writeCaFile() {
        const file = node_path_1.default.join(this.config.dataDir, exports.CA_CERT_FILE_NAME);
        try {
            node_fs_1.default.mkdirSync(this.config.dataDir, { recursive: true });
            const current = node_fs_1.default.existsSync(file) ? node_fs_1.default.readFileSync(file, 'utf8') : null;
            if (current !== this.loaded().info.certificatePem)
                node_fs_1.default.writeFileSync(file, this.loaded().info.certificatePem);
        }
        catch (err) {
            this.log.warn(`could not write ${file}`, err instanceof Error ? err.message : err);
        }
    }
    loaded() {
        if (!this.ca)
            throw new Error('PkiService.init() has not run');
        return this.ca;
    }
    /** The platform CA certificate (PEM): what devices put in `root_ca.crt`. */
    caCertificatePem() {
        return this.loaded().info.certificatePem;
    }
    platformCa() {
        return this.loaded().info;
    }
    /**
     * Key and certificate for the TLS listeners: the configured PEM files, or a certificate for
     * `config.mqtt.tlsHosts` issued by the platform CA (once per process).
     */
    serverTlsCredentials() {
        this.serverCredentials ??= this.makeServerCredentials();
        return this.serverCredentials;
    }
    async makeServerCredentials() {
        const ca = this.loaded();
        const { tlsCertFile, tlsKeyFile, tlsHosts } = this.config.mqtt;
        if (tlsCertFile || tlsKeyFile) {
            if (!tlsCertFile || !tlsKeyFile)
                throw new Error('PORTICO_TLS_CERT_FILE and PORTICO_TLS_KEY_FILE must be set together');
            return { certPem: node_fs_1.default.readFileSync(tlsCertFile, 'utf8'), keyPem: node_fs_1.default.readFileSync(tlsKeyFile, 'utf8'), caPem: ca.info.certificatePem };
        }
        const hosts = tlsHosts.length ? tlsHosts : ['localhost'];
        const now = this.clock();
        const notAfter = new Date(Math.min(now.getTime() + exports.SERVER_CERT_VALIDITY_DAYS * DAY_MS, ca.info.notAfter.getTime()));
        const issued = await (0, x509_js_1.issueCertificate)({
            ca,
            algorithm: this.config.pki.caKeyAlgorithm,
            commonName: hosts[0],
            notBefore: new Date(now.getTime() - BACKDATE_MS),
            notAfter,
            usage: 'server',
            hosts,
        });
        this.log.debug('issued TLS server certificate', { hosts, fingerprint: issued.fingerprint, notAfter });
        return { certPem: issued.certificatePem, keyPem: issued.privateKeyPem, caPem: ca.info.certificatePem };
    }
    /** Issues a device (TLS client) certificate with a fresh key pair, signed by the platform CA. */
    async issueClientCertificate(o) {
        const ca = this.loaded();
        if (o.notAfter.getTime() > ca.info.notAfter.getTime()) {
            throw new Error('certificate would outlive the platform CA');
        }
        return (0, x509_js_1.issueCertificate)({ ca, usage: 'client', ...o });
    }
    /** A CRL signed by the platform CA listing the given revoked serial numbers. */
    crlPem(entries, thisUpdate, nextUpdate) {
        return (0, x509_js_1.createCrl)({ ca: this.loaded(), entries, thisUpdate, nextUpdate });
    }
}
exports.PkiService = PkiService;
//# sourceMappingURL=pki.service.js.map