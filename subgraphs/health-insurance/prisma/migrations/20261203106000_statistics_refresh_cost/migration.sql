-- How long the statistic's last refresh took: the next one waits at least ten times as long, so
-- that refreshing never takes more than a tenth of the register's time, however large it grows.
ALTER TABLE "statistics_snapshot" ADD COLUMN "refresh_ms" INTEGER;
