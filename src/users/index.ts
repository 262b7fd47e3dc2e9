import 'reflect-metadata';

export { ApiKeyEntity, UserEntity } from './user.entity.js';
export { UserResolver } from './user.resolver.js';
export { UserService } from './user.service.js';
