export { hashPassword, verifyPassword } from './password.js';
export { signToken, TokenVerifier, verifyToken } from './token.js';
