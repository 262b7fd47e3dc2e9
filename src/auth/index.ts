export { hashPassword, verifyPassword } from './password.js';
export { signToken, verifyToken } from './token.js';
