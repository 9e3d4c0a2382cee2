// Set up before each renderer test file: window.api must exist before src/api.ts is
// first imported (it reads window.api once), and each test starts from an empty vault
// and an unmounted DOM.
import { afterEach, beforeEach } from 'vitest';
import { cleanup } from '@testing-library/react';
import { fake } from './fake-api.ts';

window.api = fake.api;

beforeEach(() => fake.reset());
afterEach(() => cleanup());
