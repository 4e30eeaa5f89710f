/* chisq: chi-square upper-tail probability and the normal CDF, as used by the
 * QA statistics (spec §4.6).  Same algorithms as ENT: Hill & Pike, ACM 299
 * (chi-square), Ibbetson, ACM 209 (normal), so the numbers are identical to
 * ENT's and upstream's.  Pure functions. */
#ifndef BB_CHISQ_H
#define BB_CHISQ_H

/* Probability of a normal z value: P(Z <= z), accurate to about 6 digits;
 * exactly 0.0 / 1.0 for |z| >= 6. */
double chisq_poz(double z);

/* Probability that a chi-square value >= x arises by chance with df degrees
 * of freedom.  Returns 1.0 for x <= 0 or df < 1. */
double chisq_pochisq(double x, int df);

#endif
