--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: _yoyo_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public._yoyo_log (
    id character varying(36) NOT NULL,
    migration_hash character varying(64),
    migration_id character varying(255),
    operation character varying(10),
    username character varying(255),
    hostname character varying(255),
    comment character varying(255),
    created_at_utc timestamp without time zone
);


--
-- Name: _yoyo_migration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public._yoyo_migration (
    migration_hash character varying(64) NOT NULL,
    migration_id character varying(255),
    applied_at_utc timestamp without time zone
);


--
-- Name: _yoyo_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public._yoyo_version (
    version integer NOT NULL,
    installed_at_utc timestamp without time zone
);


--
-- Name: release_categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.release_categories (
    release_id integer NOT NULL,
    category text NOT NULL
);


--
-- Name: releases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.releases (
    id integer NOT NULL,
    key character varying(128) NOT NULL,
    format character varying(8) NOT NULL,
    raw bytea NOT NULL,
    raw_sha256 character varying(64) NOT NULL,
    published timestamp with time zone NOT NULL,
    published_jalali character varying(10) NOT NULL,
    published_has_time boolean NOT NULL,
    updated timestamp with time zone,
    kicker text,
    title text NOT NULL,
    lead text NOT NULL,
    body text NOT NULL,
    categories text NOT NULL,
    source text,
    language character varying(35) NOT NULL,
    images text NOT NULL,
    ingested_at timestamp with time zone NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    changed_version integer DEFAULT 0 NOT NULL,
    retracted_at timestamp with time zone,
    edited_version integer DEFAULT 0 NOT NULL
);


--
-- Name: releases_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.releases_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: releases_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.releases_id_seq OWNED BY public.releases.id;


--
-- Name: state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.state (
    name character varying(64) NOT NULL,
    value integer NOT NULL
);


--
-- Name: yoyo_lock; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.yoyo_lock (
    locked integer DEFAULT 1 NOT NULL,
    ctime timestamp without time zone,
    pid integer NOT NULL
);


--
-- Name: releases id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.releases ALTER COLUMN id SET DEFAULT nextval('public.releases_id_seq'::regclass);


--
-- Data for Name: _yoyo_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public._yoyo_log VALUES ('cabb1800-f66a-11ef-8000-010000000000', '3d4e49138f5656408afaba66f07f10aded6f025f4a5656e54223548850f73f8a', '0001_schema', 'apply', 'feedapp', 'localhost', NULL, '2025-03-01 07:00:00');
INSERT INTO public._yoyo_log VALUES ('cabb1801-f66a-11ef-8000-010000000000', 'd9e705bbe060a4896453b39936a7f6f08dd7baca311a18fba9f33bb6d1aff71f', '0002_edited_version', 'apply', 'feedapp', 'localhost', NULL, '2025-03-01 07:00:00');


--
-- Data for Name: _yoyo_migration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public._yoyo_migration VALUES ('3d4e49138f5656408afaba66f07f10aded6f025f4a5656e54223548850f73f8a', '0001_schema', '2025-03-01 07:00:00');
INSERT INTO public._yoyo_migration VALUES ('d9e705bbe060a4896453b39936a7f6f08dd7baca311a18fba9f33bb6d1aff71f', '0002_edited_version', '2025-03-01 07:00:00');


--
-- Data for Name: _yoyo_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public._yoyo_version VALUES (2, '2025-03-01 07:00:00');


--
-- Data for Name: release_categories; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.release_categories VALUES (7, 'ورزش');
INSERT INTO public.release_categories VALUES (7, 'المپیک');
INSERT INTO public.release_categories VALUES (8, 'اقتصاد');
INSERT INTO public.release_categories VALUES (9, 'محیط‌زیست');


--
-- Data for Name: releases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.releases VALUES (1, '000_44faba8da108bc04', 'text', '\xd8b3d987d8b4d986d8a8d98720dbb1dbb3dbb9dbb22fdbb1dbb22fdbb2dbb00a0ad985d986d8acd985d88c20d8b1d8a6d98ad8b320d8a7d8afd8a7d8b1d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98a20d98820d8a7d985d988d8b120d8a8d98ad986d8a7d984d985d984d98420d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad9863a0a0ad8add985d8a7d98ad8aa20d8a7d8b220d981d8b9d8a7d984d98ad8aa20d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d985d988d8acd8a820d8a8d8b1d988d8b220d8aed984d8a7d982d98ad8aadaa9d8a7d8b1d98a20d8b3d8a7d8b2d985d8a7d986d987d8a720d985d98ad8b4d988d8af0a0ad8add985d8a7d98ad8aa20d985d8afd98ad8b1d8a7d98620d8a7d8b1d8b4d8af20d8b3d8a7d8b2d985d8a7d98620d8a7d8b220d981d8b9d8a7d984d98ad8aa20d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d985d988d8acd8a820d8a8d8b1d988d8b220d8aed984d8a7d982d98ad8aadaa9d8a7d8b1d98a20d98820daa9d8a7d8b1d8a2d985d8afd98a20d98820d8a8d8a7d984d986d8afdaafd98a20d8b3d8a7d8b2d985d8a7d98620d985d98ad8b4d988d8af2e0a0ac2a00a0ad8b1d8a6d98ad8b320d8a7d8afd8a7d8b1d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98a20d98820d8a7d985d988d8b120d8a8d98ad986d8a7d984d985d984d98420d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620daafd981d8aa3a20d8add985d8a7d98ad8aa20d985d8afd98ad8b1d8a7d98620d8a7d8b1d8b4d8af20d8b3d8a7d8b2d985d8a7d98620d8a7d8b220d981d8b9d8a7d984d98ad8aa20d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d985d988d8acd8a820d8a8d8b1d988d8b220d8aed984d8a7d982d98ad8aadaa9d8a7d8b1d98a20d98820daa9d8a7d8b1d8a2d985d8afd98a20d98820d8a8d8a7d984d986d8afdaafd98a20d8b3d8a7d8b2d985d8a7d98620d985d98ad8b4d988d8af2e0ad8b9d984d98ad8b1d8b6d8a720d985d986d8acd98520d8afd8b120d986d8b4d8b3d8aa20d987d985d8a7d986d8afd98ad8b4d98a20d985d8b3d988d988d984d8a7d98620d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98a20d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620d98820d8b3d8a7d8b2d985d8a7d986d987d8a7d98a20d988d8a7d8a8d8b3d8aad98720daa9d98720d8a8d98720d985d98ad8b2d8a8d8a7d986d98a20d985d986d8b7d982d98720d98adaa920d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620d8a8d8b1daafd8b2d8a7d8b120d8b4d8afd88c20d8a7d981d8b2d988d8af3a20d8add985d8a7d98ad8aa20d985d8afd98ad8b1d8a7d98620d8a7d8b1d8b4d8af20d8a7d8b220d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d8aed8b1d988d8acd98a20d985d8abd8a8d8aad98a20d8a8d8b1d8a7d98a20d987d8b120d8b3d8a7d8b2d985d8a7d986d98a20d8aed988d8a7d987d8af20d8afd8a7d8b4d8aa20daa9d98720d8a7d8b1d8b2d8b4d985d986d8af20d8a7d8b3d8aa2e0ad988d98a20d8a7d8b7d984d8a7d8b920d8b1d8b3d8a7d986d98a20d8a7d8b220d8a7d982d8afd8a7d985d8a7d8aa20d98820d8b9d985d984daa9d8b1d8af20d987d8b120d985d8acd985d988d8b9d98720d8b1d8a720d985d987d985d8aad8b1d98ad98620d8b1daa9d98620d8afd8a7d986d8b3d8aa20d98820d8a8d98ad8a7d98620daa9d8b1d8af3a20d8a7d985d8b1d988d8b2d98720d8a7d8b7d984d8a7d8b920d8b1d8b3d8a7d986d98a20d8a2d986d984d8a7d98ad98620d8afd8b120d8acd8a7d985d8b9d98720d985d8a720d8acd8a7d98adaafd8a7d98720d988d98ada98d98720d8a7d98a20d8afd8a7d8b1d8af20d98820d8add8aad98a20d8afd8b120d8a7d98ad98620d8b2d985d98ad986d98720d985d8b3d988d988d984d8a7d98620d8a7d8b1d8b4d8af20d8aed988d8af20d8a8d98720d8b7d988d8b120d985d8b3d8aad982d98ad98520d988d8a7d8b1d8af20d981d8b6d8a7d987d8a7d98a20d985d8acd8a7d8b2d98a20d8a8d8b1d8a7d98a20d8a7d8b7d984d8a7d8b920d8b1d8b3d8a7d986d98a20d8b4d8afd986d8af20d98820d8a7d98ad98620d986d8b4d8a7d98620d8a7d8b220d8a7d987d985d98ad8aa20d8a7d8b1d8aad8a8d8a7d8b7d8a7d8aa20d8afd8b120d981d8b6d8a7d987d8a7d98a20d985d8acd8a7d8b2d98a20d985d98ad8a8d8a7d8b4d8af2e0ad985d986d8acd98520d8aad8b5d8b1d98ad8ad20daa9d8b1d8af3a20d8a7daafd8b120d987d8b120d8b3d8a7d8b2d985d8a7d986d98a20d8a8d98720d985d988d8b6d988d8b920d8a7d8b1d8aad8a8d8a7d8b7d8a7d8aa20d8a8d987d8a7d98a20d8a8d98ad8b4d8aad8b1d98a20d8a8d8afd987d8af20d982d8b7d8b9d8a720d8aed988d8a7d987d8af20d8aad988d8a7d986d8b3d8aa20d8a8d8a7d8b2d8aed988d8b1d8af20d8a8d98ad8b4d8aad8b1d98a20d8a7d8b220d985d8acd985d988d8b9d98720d8aed988d8af20d8afd8a7d8b4d8aad98720d8a8d8a7d8b4d8af2e0ad8a7d98ad98620d985d8b3d988d988d98420d8a7d981d8b2d988d8af3a20d8a7d8b7d984d8a7d8b920d8b1d8b3d8a7d986d98a20d8a8d98720d985d988d982d8b920d98820daa9d8a7d985d98420d8a7d8b220d8b9d985d984daa9d8b1d8afd987d8a720d8a8d8a7d8b9d8ab20d8aed988d8a7d987d8af20d8b4d8af20daa9d98720d8aad985d8a7d98520d986d988d8a7d982d8b520d8b3d8a7d8b2d985d8a7d986d987d8a720d8b1d981d8b920d8b4d988d8af20d98820d8a8d8b120d8a7d981daa9d8a7d8b120d8b9d985d988d985d98a20d8aad8a7d8abd98ad8b120d985d8abd8a8d8aad98a20d8aed988d8a7d987d8af20d8afd8a7d8b4d8aa2e0ad8b1d8a6d98ad8b320d8a7d8afd8a7d8b1d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98a20d98820d8a7d985d988d8b120d8a8d98ad986d8a7d984d985d984d98420d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620d8afd8b120d8a7d8afd8a7d985d98720d8a8d8a720d8a7d8b4d8a7d8b1d98720d8a8d98720d8a7d981d8aad8aad8a7d8ad20d8b3d98720d9bed8b1d988da98d98720d8b4d8a7d8aed8b520d8afd8b120d987d981d8aad98720d8a2d98ad986d8afd98720d8aad988d8b3d8b720d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620daafd981d8aa3a20d985d8b1d8a7d8b3d98520d8a7d981d8aad8aad8a7d8ad20d8a7d98ad98620d8b3d98720d9bed8b1d988da98d98720d8b4d8a7d8aed8b520d8a8d8a7d98ad8af20d8a2d8a8d8b1d988d985d986d8afd8a7d986d98720d8a8d8b1daafd8b2d8a7d8b120d8b4d988d8af20da86d8b1d8a7daa9d98720d8a7d98ad98620d8b3d98720d9bed8b1d988da98d98720d8a8d8b3d98ad8a7d8b120d8a8d8a720d8a7d987d985d98ad8aa20d8a7d8b3d8aa2e0ad988d98a20d8a8d8a720d8a8d98ad8a7d98620d8a7d98ad986daa9d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d8a8d8a7d98ad8af20d8afd8b120d8a8d8b1daafd8b2d8a7d8b1d98a20d985d8b1d8a7d8b3d98520d987d8a7d98a20d8a7d981d8aad8aad8a7d8add98ad98720d981d8b9d8a7d98420d8a8d8a7d8b4d986d8afd88c20d8a7d981d8b2d988d8af3a20d8afd8b120d8b3d8a7d98420d8a2d98ad986d8afd98720d8a8d8b1d986d8a7d985d987d987d8a7d98a20d985d987d985d98a20d8a8d8b1d8a7d98a20d8a7d981d8aad8aad8a7d8ad20d98820daa9d984d986daaf20d8b2d986d98a20d9bed8b1d988da98d987d987d8a7d98a20d8b4d987d8b1d8afd8a7d8b1d98a20d8a8d98720d985d986d8a7d8b3d8a8d8aa20d987d981d8aad98720d8b4d988d8b1d8a7d987d8a720d98820d985d98ad984d8a7d8af20d8add8b6d8b1d8aa20d8b2d987d8b1d8a728d8b32920d8a8d8b1daafd8b2d8a7d8b120d8aed988d8a7d987d8af20d8b4d8af2e0ad8a7d98ad98620d985d8b3d988d988d98420d8a8d8a720d8aad8a7daa9d98ad8af20d8a8d8b120d8a7d8b1d8a7d8a6d98720d8b9d985d984daa9d8b1d8af20d8b3d8a7d984203931d988393220d8aad988d8b3d8b720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720daafd981d8aa3a20d8a8d8b1d988d8b2d8b1d8b3d8a7d986d98a20d9bed8b1d8aad8a7d98420d8b4d987d8b1d8afd8a7d8b1d98a20d982d8b2d988d98ad98620d8a7d8b220d8a7d987d985d98ad8aa20d8a8d8a7d984d8a7d98ad98a20d8a8d8b1d8aed988d8b1d8afd8a7d8b120d8a7d8b3d8aa20daa9d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98a20d987d8a720d8a8d8a7d98ad8af20d8afd8b120d8a7d98ad98620d8b2d985d98ad986d98720d981d8b9d8a7d98420d8a8d8a7d8b4d986d8af2e0ad988d98a20d8a7d981d8b2d988d8af3a20d8a8d8a720d8aad988d8acd98720d8a8d98720d8a7d987d985d98ad8aa20d8acd8a7d98adaafd8a7d98720d8b1d988d8a7d8a8d8b720d8b9d985d988d985d98ad987d8a720d8a8d8a7d98ad8af20d8afd8b120d8b3d8a7d98420d8a2d98ad986d8afd98720d8a8d98720d8afd986d8a8d8a7d98420daa9d8a7d8b1d987d8a7d98a20d8aed984d8a7d982d8a7d986d98720d8a8d8a7d8b4d98ad9852e0ad8afd8b120d8a7d8afd8a7d985d98720d8a7d8b9d8b6d8a7d98a20d8add8a7d8b6d8b120d8afd8b120d8acd984d8b3d98720d8a8d98720d8a8d98ad8a7d98620d985d8b4daa9d984d8a7d8aa20d98820d8afd8bad8afd8bad987d987d8a7d98a20d8aed988d8af20d9bed8b1d8afd8a7d8aed8aad986d8af20d98820d8afd8b120d98adaa920d986d8b4d8b3d8aa20d987d98520d8a7d986d8afd98ad8b4d98a20d985d8b4daa9d984d8a7d8aa20d985d988d8b1d8af20d986d982d8af20d98820d8a8d8b1d8b1d8b3d98a20d982d8b1d8a7d8b120daafd8b1d981d8aa2e0ad9bed8a7d98ad8a7d98620d9bed98ad8a7d9850a0ac2a00a0ad8aad8b5d8a7d988db8cd8b120d985d8b1d8aad8a8d8b7', '4e3f2b4fef419093ed47a41ef564f1890d9e4f219c0aed0977af7bd621a7ff9e', '2014-03-11 08:30:00+00', '1392/12/20', false, NULL, 'منجم، رئیس اداره روابط عمومی و امور بین‌الملل شهرداری قزوین', 'حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود', 'حمایت مدیران ارشد سازمان از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری و کارآمدی و بالندگی سازمان می‌شود.', '["رئیس اداره روابط عمومی و امور بین‌الملل شهرداری قزوین گفت: حمایت مدیران ارشد سازمان از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری و کارآمدی و بالندگی سازمان می‌شود.","علیرضا منجم در نشست هم‌اندیشی مسوولان روابط عمومی شهرداری قزوین و سازمان‌های وابسته که به میزبانی منطقه یک شهرداری قزوین برگزار شد، افزود: حمایت مدیران ارشد از روابط عمومی‌ها خروجی مثبتی برای هر سازمانی خواهد داشت که ارزشمند است.","وی اطلاع‌رسانی از اقدامات و عملکرد هر مجموعه را مهم‌ترین رکن دانست و بیان کرد: امروزه اطلاع‌رسانی آنلاین در جامعه ما جایگاه ویژه‌ای دارد و حتی در این زمینه مسوولان ارشد خود به طور مستقیم وارد فضاهای مجازی برای اطلاع‌رسانی شدند و این نشان از اهمیت ارتباطات در فضاهای مجازی می‌باشد.","منجم تصریح کرد: اگر هر سازمانی به موضوع ارتباطات بهای بیشتری بدهد قطعا خواهد توانست بازخورد بیشتری از مجموعه خود داشته باشد.","این مسوول افزود: اطلاع‌رسانی به موقع و کامل از عملکردها باعث خواهد شد که تمام نواقص سازمان‌ها رفع شود و بر افکار عمومی تاثیر مثبتی خواهد داشت.","رئیس اداره روابط عمومی و امور بین‌الملل شهرداری قزوین در ادامه با اشاره به افتتاح سه پروژه شاخص در هفته آینده توسط شهرداری قزوین گفت: مراسم افتتاح این سه پروژه شاخص باید آبرومندانه برگزار شود چراکه این سه پروژه بسیار با اهمیت است.","وی با بیان اینکه روابط عمومی‌ها باید در برگزاری مراسم‌های افتتاحیه فعال باشند، افزود: در سال آینده برنامه‌های مهمی برای افتتاح و کلنگ زنی پروژه‌های شهرداری به مناسبت هفته شوراها و میلاد حضرت زهرا (س) برگزار خواهد شد.","این مسوول با تاکید بر ارائه عملکرد سال 91و92 توسط روابط عمومی‌ها گفت: بروزرسانی پرتال شهرداری قزوین از اهمیت بالایی برخوردار است که روابط عمومی‌ها باید در این زمینه فعال باشند.","وی افزود: با توجه به اهمیت جایگاه روابط عمومی‌ها باید در سال آینده به دنبال کارهای خلاقانه باشیم.","در ادامه اعضای حاضر در جلسه به بیان مشکلات و دغدغه‌های خود پرداختند و در یک نشست هم‌اندیشی مشکلات مورد نقد و بررسی قرار گرفت."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 1, NULL, 1);
INSERT INTO public.releases VALUES (2, '001_shahrdari_tehran_metro', 'text', '\xefbbbfd8b3d987e2808cd8b4d986d8a8d98720dbb1dbb520d985d987d8b120dbb1dbb4dbb0dbb4202d20d8b3d8a7d8b9d8aa20dbb1dbb43adbb3dbb00a0ad985d8afdb8cd8b1d8b9d8a7d985d98420d8b4d8b1daa9d8aa20d8a8d987d8b1d98720d8a8d8b1d8afd8a7d8b1db8c20d985d8aad8b1d988db8c20d8aad987d8b1d8a7d9863a0a0ad8aed8b720dbb1dbb020d985d8aad8b1d988db8c20d8aad987d8b1d8a7d98620d8aad8a720d9bed8a7db8cd8a7d98620d8b3d8a7d98420d8a8d98720d8a8d987d8b1d98720d8a8d8b1d8afd8a7d8b1db8c20d985db8cd8b1d8b3d8af0a0ad8b9d985d984db8cd8a7d8aa20d8a7d8acd8b1d8a7db8cdb8c20d8aed8b720dbb1dbb020d985d8aad8b1d988db8c20d8aad987d8b1d8a7d98620d8a8d8a720d9bedb8cd8b4d8b1d981d8aa20dbb8dbb520d8afd8b1d8b5d8afdb8c20d8aad8a720d9bed8a7db8cd8a7d98620d8b3d8a7d98420dbb1dbb4dbb0dbb420d8a8d98720d8a8d987d8b1d98720d8a8d8b1d8afd8a7d8b1db8c20d8aed988d8a7d987d8af20d8b1d8b3db8cd8af2e0a0ad985d8afdb8cd8b1d8b9d8a7d985d98420d8b4d8b1daa9d8aa20d8a8d987d8b1d98720d8a8d8b1d8afd8a7d8b1db8c20d985d8aad8b1d988db8c20d8aad987d8b1d8a7d98620d8afd8b120d986d8b4d8b3d8aa20d8aed8a8d8b1db8c20d8a7d985d8b1d988d8b220daafd981d8aa3a20d8a7db8cd8b3d8aadaafd8a7d987d987d8a7db8c20d8a7db8cd98620d8aed8b720d8afd8b120d8add8a7d98420d8aad8acd987db8cd8b220d987d8b3d8aad986d8af20d98820d8a2d8b2d985d8a7db8cd8b4d987d8a7db8c20daafd8b1d98520d8a7d8b220d985d8a7d98720d8a2db8cd986d8afd98720d8a2d8bad8a7d8b220d985db8cd8b4d988d8af2e0ad988db8c20d8a7d981d8b2d988d8af3a20d8b7d988d98420d8a7db8cd98620d8aed8b720dbb4dbb320daa9db8cd984d988d985d8aad8b120d8a7d8b3d8aa20d98820dbb3dbb520d8a7db8cd8b3d8aadaafd8a7d98720d8afd8a7d8b1d8af20d98820d8b1d988d8b2d8a7d986d98720dbb4dbb0dbb020d987d8b2d8a7d8b120d985d8b3d8a7d981d8b120d8b1d8a720d8acd8a7d8a8d8acd8a720d8aed988d8a7d987d8af20daa9d8b1d8af2e0ad8a7d8b7d984d8a7d8b9d8a7d8aa20d8a8db8cd8b4d8aad8b120d8afd8b120d986d8b4d8a7d986db8c2068747470733a2f2f6d6574726f2e74656872616e2e69722f6e6577732f313430342f6c696e652d313020d98820d8a7d8b220d8b7d8b1db8cd98220696e666f406d6574726f2e74656872616e2e697220d8afd8b120d8afd8b3d8aad8b1d8b320d8a7d8b3d8aa2e0ad9bed8a7db8cd8a7d98620d9bedb8cd8a7d9850a', 'c7254ceb9a6e73dd1080b2b819ef5dc83dad7d71d364f684c66024114b69fa39', '2025-10-07 11:00:00+00', '1404/07/15', true, NULL, 'مدیرعامل شرکت بهره‌برداری متروی تهران', 'خط ۱۰ متروی تهران تا پایان سال به بهره‌برداری می‌رسد', 'عملیات اجرایی خط ۱۰ متروی تهران با پیشرفت ۸۵ درصدی تا پایان سال ۱۴۰۴ به بهره‌برداری خواهد رسید.', '["مدیرعامل شرکت بهره‌برداری متروی تهران در نشست خبری امروز گفت: ایستگاه‌های این خط در حال تجهیز هستند و آزمایش‌های گرم از ماه آینده آغاز می‌شود.","وی افزود: طول این خط ۴۳ کیلومتر است و ۳۵ ایستگاه دارد و روزانه ۴۰۰ هزار مسافر را جابجا خواهد کرد.","اطلاعات بیشتر در نشانی https://metro.tehran.ir/news/1404/line-10 و از طریق info@metro.tehran.ir در دسترس است."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 2, NULL, 2);
INSERT INTO public.releases VALUES (3, '002_ostandari_qazvin_barf', 'text', '\x313430322d31312d303520d3c7daca20393a30350d0a0d0ac8c7d1d420c8d1dd20d1c7e520c7d1cac8c7d8ed20343020d1e6d3cac7ed20c7d3cac7e420ded2e6ede420d1c720e3d3cfe6cf2098d1cf0d0a0d0ae3cfedd198e120e3cfedd1edca20c8cdd1c7e420c7d3cac7e4cfc7d1ed20ded2e6ede420c7d220c7e4d3cfc7cf20d1c7e520c7d1cac8c7d8ed20343020d1e6d3cac720cfd12081ed20c8c7d1d420c8d1dd20d3e490ede420cec8d120cfc7cf2e0d0a0d0ae6ed2090ddca3a20d6cec7e3ca20c8d1dd20cfd120c7d1caddc7dac7ca20c7e1e3e6ca20c8e520322e3520e3cad120d1d3edcfe520c7d3ca20e620e3c7d4ede420c2e1c7ca20d1c7e5cfc7d1ed20cfd120cdc7e120c8c7d290d4c7eded20e3d3edd1e5c720e5d3cae4cf2e0d0ac8e52090ddcae520e6eda120e3d1cfe320cac720c7d8e1c7da20cbc7e4e6ed20c7d220d3ddd1e5c7ed20dbedd1d6d1e6d1ed20c8e520e3e4c7d8de2098e6e5d3cac7e4ed20cee6cfcfc7d1ed2098e4e4cf2e0d0a', '6c5eb4b891b6ec999ab508d6da07c37b5cc3328e17061bc632515677a84e94f2', '2024-01-25 05:35:00+00', '1402/11/05', true, NULL, NULL, 'بارش برف راه ارتباطی 40 روستای استان قزوین را مسدود کرد', 'مدیرکل مدیریت بحران استانداری قزوین از انسداد راه ارتباطی 40 روستا در پی بارش برف سنگین خبر داد.', '["وی گفت: ضخامت برف در ارتفاعات الموت به 2.5 متر رسیده است و ماشین‌آلات راهداری در حال بازگشایی مسیرها هستند.","به گفته وی، مردم تا اطلاع ثانوی از سفرهای غیرضروری به مناطق کوهستانی خودداری کنند."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 3, NULL, 3);
INSERT INTO public.releases VALUES (4, '003_daneshgah_hamayesh', 'text', '\xfffe4a0643063406460628064706200061066406600663062e00600667062e00620662060d000a000d000a002f06270646063406af062706470620003506460639062a06cc06200034063106cc0641060d000a00a0000d000a004706450627064a063406200028064a064606270644064506440644064a062000470648063406200045063506460648063906cc0620002f06310620002f06270646063406af062706470620003506460639062a06cc06200034063106cc064106200028063106af06320627063106200045064a06340648062f060d000a000d000a002f0648064506cc0646062000470645062706cc06340620002806cc064606200027064406450644064406cc0620004706480634062000450635064606480639064a0620002806270620002d0636064806310620007e069806480647063406af063106270646062000f106f2062000a9063406480631062000270632062000f206f50620002a0627062000f206f706200045064706310620002f06310620002a064706310627064606200028063106af0632062706310620004506cc06340648062f062e000d000a00a0000d000a002f062806cc0631062000470645062706cc0634062000af0641062a063a0020000f20450642062706440627062a0620007e063006cc06310641062a064706200034062f06470620002f063106200045062c0645064806390647062000450642062706440627062a062000490045004500450020004806200053007000720069006e006700650072002000460645062706cc06470620002e0648062706470646062f06200034062f06200048062000460631062e0620007e063006cc06310634062000310038002e00350020002f06310635062f062000280648062f0647062000270633062a062e000d000a0048064a06200027064106320648062f063a0020002b0628062a062000460627064506200027063206200037063106cc064206200033062706450627064606470620007700770077002e006100690063006f006e0066002e007300680061007200690066002e00690072002000270646062c0627064506200045064a0640064006340648062f0620004806200047063206cc0646064706200022064606200031002c003200350030002c0030003000300020003106cc06270644062000270633062a062e0007000d000a00280647062000af0641062a06470620004806cc060c062000a90627063106af062706470647062706cc06200022064506480632063406cc062000ab00cc0627062f06af06cc063106cc06200039064506cc064206bb00200048062000ab007e0631062f062706320634062000320628062706460620004106270631063306cc06bb002000280627062000390646064806270646062000440065006500700020004c006500610072006e0069006e0067002000260020004e004c00500020003c00200057006f0072006b00730068006f00700020003e0020004606cc063206200028063106af06320627063106200045064a06340648062f062e000d000a007e0627064a062706460620007e064a06270645060d000a000d000a002a06350627064806cc0631062000450631062a06280637060d000a00', '01aadee560ff0f8b091ff3d8647826cc6773a0e35d4a5378c197d2d0b9aa4a92', '2024-10-13 08:30:00+00', '1403/07/22', false, NULL, 'دانشگاه صنعتی شریف', 'همایش بین‌المللی هوش مصنوعی در دانشگاه صنعتی شریف برگزار می‌شود', 'دومین همایش بین‌المللی هوش مصنوعی با حضور پژوهشگران ۱۲ کشور از ۲۵ تا ۲۷ مهر در تهران برگزار می‌شود.', '["دبیر همایش گفت: مقالات پذیرفته‌شده در مجموعه مقالات IEEE و Springer نمایه خواهند شد و نرخ پذیرش 18.5 درصد بوده است.","وی افزود: ثبت‌نام از طریق سامانه www.aiconf.sharif.ir انجام می‌شود و هزینه آن 1,250,000 ریال است.","به گفته وی، کارگاه‌های آموزشی «یادگیری عمیق» و «پردازش زبان فارسی» با عنوان Deep Learning & NLP < Workshop > نیز برگزار می‌شود."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 4, NULL, 4);
INSERT INTO public.releases VALUES (7, '006_vezarat_varzesh_olympic', 'json', '\x7b0a2020226b6579223a20223030365f76657a617261745f7661727a6573685f6f6c796d706963222c0a2020227075626c6973686564223a2022323032342d30382d30335432313a34303a30302b30333a3330222c0a2020226b69636b6572223a2022d988d8b2db8cd8b120d988d8b1d8b2d8b420d98820d8acd988d8a7d986d8a7d9863a222c0a2020227469746c65223a2022daa9d8a7d8b1d988d8a7d98620d8a7db8cd8b1d8a7d98620d8a8d8a720d8afd8b3d8aa20d9bed8b120d8a7d8b220d8a7d984d985d9bedb8cdaa920d9bed8a7d8b1db8cd8b320d8a8d8a7d8b2d985db8cdaafd8b1d8afd8af222c0a2020226c656164223a2022d988d8b2db8cd8b120d988d8b1d8b2d8b420d98820d8acd988d8a7d986d8a7d98620d8a7d8b220d8b9d985d984daa9d8b1d8af20daa9d8a7d8b1d988d8a7d98620d8a7db8cd8b1d8a7d98620d8afd8b120d8a7d984d985d9bedb8cdaa920dbb2dbb0dbb2dbb420d9bed8a7d8b1db8cd8b320d982d8afd8b1d8afd8a7d986db8c20daa9d8b1d8af2e222c0a202022626f6479223a205b0a2020202022d988db8c20daafd981d8aa3a20d988d8b1d8b2d8b4daa9d8a7d8b1d8a7d98620d985d8a720d8afd8b120d8b1d8b4d8aad987d987d8a7db8c20daa9d8b4d8aadb8c20d98820d8aadaa9d988d8a7d986d8afd98820d8a8d987d8aad8b1db8cd98620d986d8aad8a7db8cd8ac20d8b1d8a720daa9d8b3d8a820daa9d8b1d8afd986d8af2e222c0a2020202022d985d8b1d8a7d8b3d98520d8a7d8b3d8aad982d8a8d8a7d98420d8a7d8b220daa9d8a7d8b1d988d8a7d98620d8afd8b120d981d8b1d988d8afdaafd8a7d98720d8a7d985d8a7d98520d8aed985db8cd986db8c20d8a8d8b1daafd8b2d8a7d8b120d8aed988d8a7d987d8af20d8b4d8af2e220a20205d2c0a20202263617465676f72696573223a205b0a2020202022d988d8b1d8b2d8b4222c0a2020202022d8a7d984d985d9bedb8cdaa9220a20205d2c0a202022736f75726365223a2022d8b1d988d8a7d8a8d8b720d8b9d985d988d985db8c20d988d8b2d8a7d8b1d8aa20d988d8b1d8b2d8b420d98820d8acd988d8a7d986d8a7d986222c0a202022696d61676573223a205b0a202020207b0a2020202020202275726c223a202268747470733a2f2f7777772e6d73792e676f762e69722f696d616765732f313430332f6f6c796d7069632e6a7067222c0a2020202020202263617074696f6e223a2022daa9d8a7d8b1d988d8a7d98620d8a7db8cd8b1d8a7d98620d8afd8b120d9bed8a7d8b1db8cd8b3222c0a2020202020202274797065223a2022696d6167652f6a706567222c0a202020202020226c656e677468223a203138333430320a202020207d0a20205d0a7d0a', '92ee462da4cedd801dbccd5216674de0412142d47f46c5c75e5e332e9fdc67a6', '2024-08-03 18:10:00+00', '1403/05/13', true, NULL, 'وزیر ورزش و جوانان', 'کاروان ایران با دست پر از المپیک پاریس بازمی‌گردد', 'وزیر ورزش و جوانان از عملکرد کاروان ایران در المپیک ۲۰۲۴ پاریس قدردانی کرد.', '["وی گفت: ورزشکاران ما در رشته‌های کشتی و تکواندو بهترین نتایج را کسب کردند.","مراسم استقبال از کاروان در فرودگاه امام خمینی برگزار خواهد شد."]', '["ورزش","المپیک"]', 'روابط عمومی وزارت ورزش و جوانان', 'fa', '[{"caption":"کاروان ایران در پاریس","length":183402,"type":"image/jpeg","url":"https://www.msy.gov.ir/images/1403/olympic.jpg"}]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 7, NULL, 7);
INSERT INTO public.releases VALUES (8, '007_bank_markazi_nerkh', 'json', '\x7b226b6579223a20223030375f62616e6b5f6d61726b617a695f6e65726b68222c20227075626c6973686564223a2022dbb1dbb4dbb0dbb32fdbb0dbb52fdbb1dbb020d8b3d8a7d8b9d8aa20dbb1dbb13adbb0dbb0222c20227469746c65223a2022d986d8b1d8ae20d8aad988d8b1d98520d8aadb8cd8b1d985d8a7d98720d8a7d8b9d984d8a7d98520d8b4d8af222c20226c656164223a2022d8a8d8a7d986daa920d985d8b1daa9d8b2db8c20d986d8b1d8ae20d8aad988d8b1d98520d986d982d8b7d98720d8a8d98720d986d982d8b7d98720d8aadb8cd8b1d985d8a7d98720dbb1dbb4dbb0dbb320d8b1d8a720dbb3dbb52edbb220d8afd8b1d8b5d8af20d8a7d8b9d984d8a7d98520daa9d8b1d8af2e222c2022626f6479223a205b22d8a8d8b120d8a7d8b3d8a7d8b320d8a7db8cd98620daafd8b2d8a7d8b1d8b4d88c20d8aad988d8b1d98520d985d8a7d987d8a7d986d98720d8a8d98720dbb22edbb120d8afd8b1d8b5d8af20d8b1d8b3db8cd8afd98720d8a7d8b3d8aa2e225d2c202263617465676f72696573223a205b22d8a7d982d8aad8b5d8a7d8af225d2c2022736f75726365223a2022d8a8d8a7d986daa920d985d8b1daa9d8b2db8c227d', '7654971195dadca68bd81418957e20a8d4af9f16ab16f2203a911de92b03d02a', '2024-07-31 07:30:00+00', '1403/05/10', true, NULL, NULL, 'نرخ تورم تیرماه اعلام شد', 'بانک مرکزی نرخ تورم نقطه به نقطه تیرماه ۱۴۰۳ را ۳۵.۲ درصد اعلام کرد.', '["بر اساس این گزارش، تورم ماهانه به ۲.۱ درصد رسیده است."]', '["اقتصاد"]', 'بانک مرکزی', 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 8, NULL, 8);
INSERT INTO public.releases VALUES (9, '008_sazman_mohitzist_ab', 'json', '\x7b226b6579223a20223030385f73617a6d616e5f6d6f6869747a6973745f6162222c20227075626c6973686564223a2022da86d987d8a7d8b1d8b4d986d8a8d98720dbb2dbb420d985d8b1d8afd8a7d8af20dbb1dbb4dbb0dbb3222c202275706461746564223a2022323032342d30382d31355430393a30303a30302b30333a3330222c20227469746c65223a2022d8b0d8aed8a7db8cd8b120d8a2d8a820d8b3d8afd987d8a7db8c20d8aad987d8b1d8a7d98620daa9d8a7d987d8b420db8cd8a7d981d8aa222c20226c656164223a2022d8add8acd98520d8a2d8a820d8b3d8afd987d8a7db8c20d9bed986d8acdaafd8a7d986d98720d8aad987d8b1d8a7d98620d8a8d98720daa9d985d8aad8b120d8a7d8b220dbb3dbb020d8afd8b1d8b5d8af20d8b8d8b1d981db8cd8aa20d8b1d8b3db8cd8af2e222c202263617465676f72696573223a205b22d985d8addb8cd8b720d8b2db8cd8b3d8aa225d2c20226c616e6775616765223a202266612d4952227d', 'e8c346c4147cc01886cce603a075f14190e7f7767ae309f50e1ec3a296301536', '2024-08-14 08:30:00+00', '1403/05/24', false, '2024-08-15 05:30:00+00', NULL, 'ذخایر آب سدهای تهران کاهش یافت', 'حجم آب سدهای پنج‌گانه تهران به کمتر از ۳۰ درصد ظرفیت رسید.', '[]', '["محیط‌زیست"]', NULL, 'fa-IR', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-01 08:00:00.123456+00', 9, NULL, 9);
INSERT INTO public.releases VALUES (5, '004_havashenasi_garma', 'text', '\xd8b4d986d8a8d98720313339382f30342f30312031303a31350a0ad985d8afd98ad8b1daa9d98420d987d988d8a7d8b4d986d8a7d8b3d98a20d8a7d8b3d8aad8a7d98620d8aed988d8b2d8b3d8aad8a7d9863a0a0ad8afd985d8a7d98a20d987d988d8a7d98a20d8a7d987d988d8a7d8b220d8a8d98720353020d8afd8b1d8acd98720d985d98ad8b1d8b3d8af0a0adaa9d8a7d8b1d8b4d986d8a7d8b3d8a7d98620d987d988d8a7d8b4d986d8a7d8b3d98a20d8a8d8b1d8a7d98a20d8b1d988d8b2d987d8a7d98a20d8a2d98ad986d8afd98720d8a7d981d8b2d8a7d98ad8b420d8afd985d8a7d98a20d987d988d8a720d8aad8a720353020d8afd8b1d8acd98720d8b3d8a7d986d8aad98adaafd8b1d8a7d8af20d8b1d8a720d8afd8b120d8a7d987d988d8a7d8b220d9bed98ad8b4d8a8d98ad986d98a20daa9d8b1d8afd986d8af2e0a0ad985d8afd98ad8b1daa9d98420d987d988d8a7d8b4d986d8a7d8b3d98a20d8a7d8b3d8aad8a7d98620d8aed988d8b2d8b3d8aad8a7d98620daafd981d8aa3a20d8a7d98ad98620d8a7d981d8b2d8a7d98ad8b420d8afd985d8a720d8aad8a720d9bed8a7d98ad8a7d98620d985d8a7d98720d8a7d8afd8a7d985d98720d8aed988d8a7d987d8af20d8afd8a7d8b4d8aa2e0ad988d98a20d8a7d8b220d8b4d987d8b1d988d986d8afd8a7d98620d8aed988d8a7d8b3d8aa20d8afd8b120d8b3d8a7d8b9d8a7d8aa20313120d8aad8a720313620d8a7d8b220d8aad8b1d8afd8af20d8bad98ad8b1d8b6d8b1d988d8b1d98a20d8aed988d8afd8afd8a7d8b1d98a20daa9d986d986d8af2e0a', '639160b9a33456c31314f506eb8229dab890059ee7e11e0952699c19bfd6d1f1', '2019-06-22 05:45:00+00', '1398/04/01', true, '2025-03-02 09:30:00.25+00', 'مدیرکل هواشناسی استان خوزستان', 'دمای هوای اهواز به 50 درجه می‌رسد', 'کارشناسان هواشناسی برای روزهای آینده افزایش دمای هوا تا 50 درجه سانتی‌گراد را در اهواز پیش‌بینی کردند.', '["مدیرکل هواشناسی استان خوزستان گفت: این افزایش دما تا پایان ماه ادامه خواهد داشت.","وی از شهروندان خواست در ساعات 11 تا 16 از تردد غیرضروری خودداری کنند."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-02 09:30:00.25+00', 10, NULL, 10);
INSERT INTO public.releases VALUES (6, '005_bimeh_salamat_nowruz', 'text', '\xd9bed986d8acd8b4d986d8a8d98720dbb1dbb4dbb0dbb32fdbb1dbb22fdbb3dbb00a0ad8aed8afd985d8a7d8aa20d8a8db8cd985d98720d8b3d984d8a7d985d8aa20d8afd8b120d8aad8b9d8b7db8cd984d8a7d8aa20d986d988d8b1d988d8b220d8a7d8afd8a7d985d98720d8afd8a7d8b1d8af0a0ad985d8b1d8a7daa9d8b220d8afd8b1d985d8a7d986db8c20d8b7d8b1d98120d982d8b1d8a7d8b1d8afd8a7d8af20d8a8db8cd985d98720d8b3d984d8a7d985d8aa20d8afd8b120d8aad8b9d8b7db8cd984d8a7d8aa20d986d988d8b1d988d8b220dbb1dbb4dbb0dbb420d8a8d98720d8a8db8cd985d98720d8b4d8afdaafd8a7d98620d8aed8afd985d8a7d8aa20d8a7d8b1d8a7d8a6d98720d985db8cd8afd987d986d8af2e0a0ad985d8afdb8cd8b1d8b9d8a7d985d98420d8b3d8a7d8b2d985d8a7d98620d8a8db8cd985d98720d8b3d984d8a7d985d8aa20daafd981d8aa3a20d981d987d8b1d8b3d8aa20d985d8b1d8a7daa9d8b220d981d8b9d8a7d98420d8afd8b120d8aad8b9d8b7db8cd984d8a7d8aa20d8afd8b120d8b3d8a7d985d8a7d986d98720d8b3d8a7d8b2d985d8a7d98620d985d986d8aad8b4d8b120d8b4d8afd98720d8a7d8b3d8aa2e0a', '8cbf53003d30c771d79820972e4209f6c72fdca8fc9f5cbdda3fdee6343801f2', '2025-03-20 08:30:00+00', '1403/12/30', false, NULL, NULL, 'خدمات بیمه سلامت در تعطیلات نوروز ادامه دارد', 'مراکز درمانی طرف قرارداد بیمه سلامت در تعطیلات نوروز ۱۴۰۴ به بیمه شدگان خدمات ارائه می‌دهند.', '["مدیرعامل سازمان بیمه سلامت گفت: فهرست مراکز فعال در تعطیلات در سامانه سازمان منتشر شده است."]', '[]', NULL, 'fa', '[]', '2025-03-01 08:00:00.123456+00', '2025-03-03 10:45:00.5+00', 11, '2025-03-03 10:45:00.5+00', 6);


--
-- Data for Name: state; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.state VALUES ('releases_total', 9);
INSERT INTO public.state VALUES ('data_version', 11);
INSERT INTO public.state VALUES ('releases_shown', 8);


--
-- Data for Name: yoyo_lock; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: releases_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.releases_id_seq', 9, true);


--
-- Name: _yoyo_log _yoyo_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public._yoyo_log
    ADD CONSTRAINT _yoyo_log_pkey PRIMARY KEY (id);


--
-- Name: _yoyo_migration _yoyo_migration_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public._yoyo_migration
    ADD CONSTRAINT _yoyo_migration_pkey PRIMARY KEY (migration_hash);


--
-- Name: _yoyo_version _yoyo_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public._yoyo_version
    ADD CONSTRAINT _yoyo_version_pkey PRIMARY KEY (version);


--
-- Name: release_categories release_categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.release_categories
    ADD CONSTRAINT release_categories_pkey PRIMARY KEY (release_id, category);


--
-- Name: releases releases_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.releases
    ADD CONSTRAINT releases_key_key UNIQUE (key);


--
-- Name: releases releases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.releases
    ADD CONSTRAINT releases_pkey PRIMARY KEY (id);


--
-- Name: state state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.state
    ADD CONSTRAINT state_pkey PRIMARY KEY (name);


--
-- Name: yoyo_lock yoyo_lock_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.yoyo_lock
    ADD CONSTRAINT yoyo_lock_pkey PRIMARY KEY (locked);


--
-- Name: release_categories_category; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX release_categories_category ON public.release_categories USING btree (category, release_id);


--
-- Name: releases_changed_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_changed_at ON public.releases USING btree (changed_at);


--
-- Name: releases_changed_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_changed_version ON public.releases USING btree (changed_version);


--
-- Name: releases_edited_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_edited_version ON public.releases USING btree (edited_version);


--
-- Name: releases_published; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_published ON public.releases USING btree (published, id);


--
-- Name: releases_sitemap; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_sitemap ON public.releases USING btree (id, retracted_at, published, updated, key);


--
-- Name: releases_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX releases_source ON public.releases USING btree (source, id);


--
-- Name: release_categories release_categories_release_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.release_categories
    ADD CONSTRAINT release_categories_release_id_fkey FOREIGN KEY (release_id) REFERENCES public.releases(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


