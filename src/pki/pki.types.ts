import { registerEnumType } from 'type-graphql';

/** Key algorithm of the platform CA and of device certificates (entities, services and the API use it). */
export enum KeyAlgorithmEnum {
  ECDSA = 'ECDSA',
  RSA = 'RSA',
}
registerEnumType(KeyAlgorithmEnum, { name: 'KeyAlgorithm', description: 'ECDSA: P-256 with SHA-256. RSA: 2048-bit with SHA-256.' });
