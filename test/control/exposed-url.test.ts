import { exposedUrl } from '../../control/load-balancer';

describe('exposedUrl: where users open an exposed job', () => {
  it('puts a path rule at the load balancer\'s own name, the wildcard left off', () => {
    expect(exposedUrl('http://stowage-123.eu-west-1.elb.amazonaws.com', { path: '/web/*' })).toBe('http://stowage-123.eu-west-1.elb.amazonaws.com/web/');
    expect(exposedUrl('http://127.0.0.1:8080', { path: '/exact' })).toBe('http://127.0.0.1:8080/exact');
  });

  it('puts a host rule at that host, keeping the scheme and the port', () => {
    expect(exposedUrl('https://lb.example.net', { host: 'web.example.com' })).toBe('https://web.example.com/');
    expect(exposedUrl('http://127.0.0.1:8080', { host: 'web.example.com', path: '/a/*/b' })).toBe('http://web.example.com:8080/a/');
  });
});
