import { spotDiscountsFrom, type SpotPriceObservation } from '../../core/spot-discounts';

const CATALOG = [
  { name: 'm7g.large', pricePerHour: 0.0816 },
  { name: 'm7g.xlarge', pricePerHour: 0.1632 },
  { name: 'c7g.large', pricePerHour: 0.0725 },
];
const T = 1_800_000_000_000;
const seen = (instanceType: string, zone: string, spotPrice: number, at = T): SpotPriceObservation => ({ instanceType, zone, spotPrice, at });

describe('spotDiscountsFrom', () => {
  it("takes each pool's latest price and each family's median saving, rounded down to a whole percent", () => {
    const r = spotDiscountsFrom(
      [
        seen('m7g.large', 'a', 0.05, T - 3_600_000), // older: replaced by the next one
        seen('m7g.large', 'a', 0.0408), // 50 % saved
        seen('m7g.large', 'b', 0.0326), // 60.05 %
        seen('m7g.xlarge', 'a', 0.0571), // 65.01 %
        seen('c7g.large', 'a', 0.0290), // 60 %
      ],
      CATALOG,
    );
    expect(r.discounts).toEqual({ c7g: 0.6, m7g: 0.6 });
    expect(r.pools).toEqual({ c7g: 1, m7g: 3 });
  });

  it('averages the middle two of an even count, counts a price above On-Demand as no saving, and ignores types the catalog does not price', () => {
    const r = spotDiscountsFrom([seen('m7g.large', 'a', 0.0408), seen('m7g.large', 'b', 0.09), seen('x9.huge', 'a', 0.01), seen('c7g.large', 'a', Number.NaN)], CATALOG);
    // (0.5 + 0) / 2
    expect(r.discounts).toEqual({ m7g: 0.25 });
    expect(r.pools).toEqual({ m7g: 2 });
  });

  it('leaves out a family nothing was seen of', () => {
    expect(spotDiscountsFrom([], CATALOG)).toEqual({ discounts: {}, pools: {} });
  });
});
