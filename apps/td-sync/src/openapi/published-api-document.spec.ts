import type { OpenAPIObject } from '@nestjs/swagger';
import { PublishedApiDocument } from './published-api-document';

describe('PublishedApiDocument', () => {
  const document: OpenAPIObject = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} };

  it('builds once, when prepared, and serves that text from then on', () => {
    const build = jest.fn(() => document);
    const published = new PublishedApiDocument();
    published.buildWith(build);
    expect(build).not.toHaveBeenCalled();
    published.buildNow();
    expect(build).toHaveBeenCalledTimes(1);
    expect(published.json).toBe(JSON.stringify(document));
    published.buildNow();
    expect(published.json).toBe(published.json);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('builds on the first request when nothing prepared it', () => {
    const build = jest.fn(() => document);
    const published = new PublishedApiDocument();
    published.buildWith(build);
    expect(JSON.parse(published.json)).toEqual(document);
    void published.json;
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('says so when asked before the application set how to build it', () => {
    expect(() => new PublishedApiDocument().json).toThrow('createApp sets that');
  });
});
