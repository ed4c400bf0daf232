import { compileTemplate, parsePath, renderTemplate, runMessage, TemplateError } from './task-template';

describe('task input templates', () => {
  const trigger = {
    kind: 'webhook',
    body: { alerts: [{ labels: { alertname: 'HighCPU', 'team-name': 'ops' } }], count: 3, ok: true, nil: null },
    headers: { 'x-source': 'am' },
  };

  it('renders paths with dots, indexes and quoted keys in every string leaf', () => {
    const out = renderTemplate(
      {
        instruction: 'Alert {{ trigger.body.alerts[0].labels.alertname }} ({{trigger.body.count}})',
        nested: { list: ['{{ trigger.body.alerts[0].labels["team-name"] }}', 7, null], flag: '{{ trigger.body.ok }}' },
        header: "{{ trigger.headers['x-source'] }}",
      },
      trigger,
    );
    expect(out).toEqual({
      instruction: 'Alert HighCPU (3)',
      nested: { list: ['ops', 7, null], flag: 'true' },
      header: 'am',
    });
  });

  it('missing paths render empty; objects and arrays render as compact JSON', () => {
    const out = renderTemplate(
      {
        a: '[{{ trigger.body.nope.deeper }}]',
        b: '{{ trigger.body.alerts[5] }}|{{ trigger.body.nil }}',
        c: '{{ trigger.body.alerts[0].labels }}',
        d: '{{ trigger.body.alerts }}',
        e: '{{ trigger.body.count[0] }}',
      },
      trigger,
    );
    expect(out).toEqual({
      a: '[]',
      b: '|',
      c: '{"alertname":"HighCPU","team-name":"ops"}',
      d: '[{"labels":{"alertname":"HighCPU","team-name":"ops"}}]',
      e: '',
    });
  });

  it('never reaches outside the trigger context nor through the prototype chain', () => {
    expect(renderTemplate({ a: '{{ trigger.body.constructor }}', b: '{{ trigger.__proto__ }}' }, trigger)).toEqual({
      a: '',
      b: '',
    });
    expect(() => parsePath('process.env.HOME')).toThrow(/must start with "trigger\."/);
  });

  it.each([
    ['{{ trigger.body', /never closed/],
    ['oops }}', /without "\{\{"/],
    ['{{ {{ trigger.a }} }}', /nested|not a path/],
    ['{{ trigger.body..x }}', /bad path/],
    ['{{ trigger.body[x] }}', /bad path/],
    ['{{ trigger.body[0 }}', /bad path/],
    ['{{ }}', /not a path/],
    ['{{ helper trigger.body }}', /bad path/],
    ['{{ trigger.body | upper }}', /bad path/],
    ['{{#if trigger.body}}x{{/if}}', /not a path/],
  ])('refuses %s', (s, msg) => {
    let err: unknown;
    try {
      compileTemplate({ x: { y: ['ok', s] } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).path).toBe('input_template.x.y[1]');
    expect((err as Error).message).toMatch(msg);
  });

  it('builds the run message: instruction plus the other keys as JSON', () => {
    expect(runMessage({ instruction: 'Do it' }, 't')).toBe('Do it');
    expect(runMessage({ instruction: 'Do it', repo: 'a/b' }, 't')).toBe(
      'Do it\n\nContext (JSON):\n```json\n{"repo":"a/b"}\n```',
    );
    expect(runMessage({}, 'nightly')).toBe('Run the task "nightly".');
  });
});
