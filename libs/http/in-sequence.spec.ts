import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { inSequence } from './in-sequence';

describe('inSequence', () => {
  const mark = (name: string) => (req: Request, _res: Response, next: NextFunction) => {
    (req as Request & { seen?: string[] }).seen = [...((req as Request & { seen?: string[] }).seen ?? []), name];
    next();
  };
  function appWith(...steps: express.RequestHandler[]) {
    const app = express();
    app.use(inSequence(steps));
    app.get('/x', (req, res) => res.json({ seen: (req as Request & { seen?: string[] }).seen }));
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) =>
      res.status(418).json({ error: err.message }),
    );
    return app;
  }

  it('runs every step in order, then the routes', async () => {
    const later = (req: Request, res: Response, next: NextFunction) =>
      setImmediate(() => mark('async')(req, res, next));
    await request(appWith(mark('a'), later, mark('b')))
      .get('/x')
      .expect(200, { seen: ['a', 'async', 'b'] });
  });

  it('ends with the error of a step that throws or passes one to next, skipping the rest', async () => {
    const throws = () => {
      throw new Error('thrown');
    };
    const passes = (_req: Request, _res: Response, next: NextFunction) => next(new Error('passed'));
    await request(appWith(mark('a'), throws, mark('b')))
      .get('/x')
      .expect(418, { error: 'thrown' });
    await request(appWith(passes, mark('b')))
      .get('/x')
      .expect(418, { error: 'passed' });
  });

  it('lets a step answer without calling next', async () => {
    const answers = (_req: Request, res: Response) => res.status(204).end();
    await request(appWith(mark('a'), answers, mark('b')))
      .get('/x')
      .expect(204);
  });
});
