export { type App, type AppOptions, createApp } from './app.js';
export { entities } from './entities.js';
export { createSchema, printableSchema } from './schema.js';
export { createServices, type Services } from './services.js';
