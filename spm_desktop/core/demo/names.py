"""Name material for demo data: common given names and family names seen in Pontianak
(Malay, Dayak, Chinese-Indonesian, Javanese, Bugis and Madurese families)."""

MALE = (
    "Muhammad Ahmad Abdul Agus Budi Dedi Eko Fajar Hendra Iwan Joko Rudi Slamet Syarif Yusuf "
    "Rahmat Hasan Ismail Usman Zainal Ridwan Safarudin Bambang Suparman Sutrisno Heri Andi "
    "Arif Bayu Dimas Fikri Gilang Hadi Irfan Kurniawan Lukman Mulyadi Nanang Rizky Sandi Taufik "
    "Wahyu Yohanes Antonius Stefanus Paulus Markus Aloysius Ignatius Apui Akiong Ahok Tjhin Hendrik "
    "Darmawan Jumadi Kasim Mahmud Marzuki Nurdin Rusli Sahrul Sulaiman Syahrul Tarmizi Zulkifli"
).split()
FEMALE = (
    "Siti Nur Aisyah Fatimah Dewi Sri Rina Wati Yuliana Maria Lestari Fitri Ratna Sari Indah "
    "Rahmawati Nurhayati Suryani Halimah Khadijah Aminah Mariam Zainab Rohani Salmah Jamilah "
    "Agustina Angelina Bernadeta Christina Desi Elisabeth Fransiska Helena Imelda Lina Melati "
    "Nia Putri Rosmini Susanti Theresia Veronika Winda Yanti Lie Mei Ling Ayu Bunga Citra Dian "
    "Erna Hartini Juliana Kartini Lilis Murni Nining Sumiati Tuti Umi Yati Zubaidah"
).split()
FAMILY = (
    "Syahputra Hidayat Saputra Pratama Kurniawan Setiawan Wijaya Gunawan Santoso Halim Tan Lim "
    "Wong Lie Nasution Siregar Lubis Harahap Ginting Sinaga Daeng Rasyid Alkadrie Assegaf Bakar "
    "Hamid Usman Rahman Hasibuan Kusuma Purnama Sanjaya Hartono Susilo Lumban Manurung Tambunan "
    "Purba Sembiring"
).split()
# Second names only women carry (Javanese and Malay usage: "Sri Wulandari").
FEMALE_SECOND = "Ningsih Rahayu Wulandari Anggraini Maharani Kristiani Oktaviani Apriyani Lestari Handayani".split()
ALIASES = ("Pak Tua", "Mbah", "Acong", "Udin", "Ucok", "Mak Cik", "Bang Jago", "Nenek", "Kakek", "Si Kecil")
BIRTH_PLACES = ("Pontianak", "Kubu Raya", "Mempawah", "Singkawang", "Sambas", "Ketapang", "Sanggau",
                "Sintang", "Landak", "Jakarta", "Surabaya", "Madura", "Makassar", "Medan")
STREETS = ("Jl. Tanjungpura", "Jl. Gajah Mada", "Jl. Imam Bonjol", "Jl. Ahmad Yani", "Jl. Kom Yos Sudarso",
           "Jl. Khatulistiwa", "Jl. Hasanuddin", "Jl. Pahlawan", "Jl. Sultan Hamid", "Jl. Tabrani Ahmad",
           "Gg. Karya Baru", "Gg. Selat Panjang", "Jl. Parit Haji Husin", "Jl. Perdana")
FOUND_AT = ("Bundaran Digulis", "Pasar Flamboyan", "Taman Alun Kapuas", "Terminal Batu Layang",
            "Simpang Jl. Gajah Mada", "Pelabuhan Seng Hie", "Masjid Raya Mujahidin", "Pasar Dahlia",
            "Lampu merah Jl. Ahmad Yani", "Kolong Jembatan Kapuas")
