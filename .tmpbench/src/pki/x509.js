"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.x509 = exports.certToPem = void 0;
exports.generateKeyPair = generateKeyPair;
exports.privateKeyToPem = privateKeyToPem;
exports.importSigningKey = importSigningKey;
exports.fingerprintOf = fingerprintOf;
exports.randomSerial = randomSerial;
exports.createCaCertificate = createCaCertificate;
exports.issueCertificate = issueCertificate;
exports.createCrl = createCrl;
require("reflect-metadata");
const node_crypto_1 = __importStar(require("node:crypto"));
const node_net_1 = __importDefault(require("node:net"));
const x509 = __importStar(require("@peculiar/x509"));
exports.x509 = x509;
x509.cryptoProvider.set(node_crypto_1.webcrypto);
const ECDSA_GEN = { name: 'ECDSA', namedCurve: 'P-256' };
const RSA_GEN = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
async function generateKeyPair(algorithm) {
    const params = algorithm === 'RSA' ? RSA_GEN : ECDSA_GEN;
    return (await node_crypto_1.webcrypto.subtle.generateKey(params, true, ['sign', 'verify']));
}
const signingAlgorithmFor = (key) => key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
/** PKCS#8 PEM of a private key (`-----BEGIN PRIVATE KEY-----`), which OpenSSL, Python and Node all read. */
async function privateKeyToPem(key) {
    const der = await node_crypto_1.webcrypto.subtle.exportKey('pkcs8', key);
    return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}
const CURVES = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
/** Imports a PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`) for signing certificates. */
async function importSigningKey(pem) {
    const keyObject = node_crypto_1.default.createPrivateKey(pem);
    const der = keyObject.export({ type: 'pkcs8', format: 'der' });
    let params;
    let algorithm;
    if (keyObject.asymmetricKeyType === 'ec') {
        const curve = CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
        if (!curve)
            throw new Error(`unsupported EC curve ${keyObject.asymmetricKeyDetails?.namedCurve}`);
        params = { name: 'ECDSA', namedCurve: curve };
        algorithm = 'ECDSA';
    }
    else if (keyObject.asymmetricKeyType === 'rsa') {
        params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
        algorithm = 'RSA';
    }
    else {
        throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}`);
    }
    const privateKey = await node_crypto_1.webcrypto.subtle.importKey('pkcs8', der, params, false, ['sign']);
    const signingAlgorithm = algorithm === 'ECDSA' ? { name: 'ECDSA', hash: curve384or512(params) } : { name: 'RSASSA-PKCS1-v1_5' };
    return { algorithm, privateKey, signingAlgorithm };
}
function curve384or512(params) {
    return params.namedCurve === 'P-384' ? 'SHA-384' : params.namedCurve === 'P-521' ? 'SHA-512' : 'SHA-256';
}
/** SHA-256 fingerprint of a DER certificate, upper-case hex pairs joined by colons (as Node's `fingerprint256` and OpenSSL print it). */
function fingerprintOf(der) {
    const bytes = der instanceof ArrayBuffer ? new Uint8Array(der) : der;
    return node_crypto_1.default
        .createHash('sha256')
        .update(bytes)
        .digest('hex')
        .toUpperCase()
        .match(/../g)
        .join(':');
}
/** A positive, random 127-bit serial number as lower-case hex (RFC 5280: ≤ 20 octets, positive). */
function randomSerial() {
    const bytes = node_crypto_1.default.randomBytes(16);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    return bytes.toString('hex');
}
const certToPem = (cert) => cert.toString('pem') + '\n';
exports.certToPem = certToPem;
/** A new certificate with its PEMs, serial number and fingerprint. */
async function issued(certificate, privateKey, serialNumber) {
    return {
        certificate,
        certificatePem: (0, exports.certToPem)(certificate),
        privateKeyPem: await privateKeyToPem(privateKey),
        serialNumber,
        fingerprint: fingerprintOf(certificate.rawData),
    };
}
/** Generates a self-signed CA certificate and key. */
async function createCaCertificate(opts) {
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
/** Generates a key pair and a certificate for it, signed by the CA. */
async function issueCertificate(o) {
    const keys = await generateKeyPair(o.algorithm);
    const serialNumber = randomSerial();
    const digitalSignature = x509.KeyUsageFlags.digitalSignature | (o.algorithm === 'RSA' ? x509.KeyUsageFlags.keyEncipherment : 0);
    const extensions = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([o.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(o.ca.certificate.publicKey),
    ];
    if (o.hosts?.length) {
        extensions.push(new x509.SubjectAlternativeNameExtension(o.hosts.map((h) => ({ type: node_net_1.default.isIP(h) ? 'ip' : 'dns', value: h }))));
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
/** A CRL signed by the CA, listing the revoked serial numbers; PEM. */
async function createCrl(o) {
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
function derInteger(value) {
    let hex = value.toString(16);
    if (hex.length % 2)
        hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) & 0x80)
        hex = '00' + hex;
    const bytes = Buffer.from(hex, 'hex');
    return Uint8Array.from([0x02, bytes.length, ...bytes]);
}
//# sourceMappingURL=x509.js.map